// A trainer with an adversary (a GAN's discriminator) differentiates one sum, generator loss plus
// adversary loss, with each loss stopping the gradient of the other player's values. So each
// player's update must see only its own loss's gradient: checked against the analytic gradients
// of L_G(p, d) = sum((p - 2 d)^2) and L_D(p, d) = sum((d - 3 p)^2) through the reported norms and
// the first Adam step (which moves every coordinate by lr against the sign of its gradient). A
// mutant that drops either stopGradient leaks the other loss into that player's update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { adam } from '../../src/train/adam.ts';
import { trainer, type Objective, type TrainState } from '../../src/train/trainer.ts';
import { toHost } from '../../src/compile/compile.ts';
import { floatArrayArb } from '../helpers/arbitraries.ts';
import { ready } from '../helpers/backends.ts';

const LR = 0.01;
const game: Objective<'one', Record<string, never>> = {
  name: 'adversary-law',
  optimizer: adam({ lr: LR }),
  loss: (_v, params, _x, state) => {
    const p = (params as { p: Node }).p;
    const d = (state['disc'] as { d: Node }).d;
    const lg = o.sum(o.square(o.sub(p, o.mul(o.stopGradient(d), 2))));
    const ld = o.sum(o.square(o.sub(d, o.mul(o.stopGradient(p), 3))));
    return { total: lg, adversaryTotal: ld, terms: {} };
  },
  adversary: { key: 'disc', optimizer: adam({ lr: LR }), init: () => ({ d: hostArray(new Float32Array(4), [4]) }) },
};

test('each player is updated with its own loss\'s gradient only', async () => {
  await ready('cpu');
  const t = trainer(game, { backend: 'cpu' });
  await fc.assert(fc.asyncProperty(floatArrayArb([4], -1, 1), floatArrayArb([4], -1, 1), async (p0, d0) => {
    const state: TrainState = { ...t.initState({ p: p0 }), disc: { d: d0 } };
    const r = await t.step(state, { variant: 'one', arrays: {} });
    const p = Array.from(p0.data as Float32Array);
    const d = Array.from(d0.data as Float32Array);
    const gp = p.map((v, i) => 2 * (v - 2 * d[i]));
    const gd = d.map((v, i) => 2 * (v - 3 * p[i]));
    const norm = (g: number[]) => Math.sqrt(g.reduce((a, b) => a + b * b, 0));
    assert.ok(Math.abs(r.metrics.gradNorm - norm(gp)) <= 1e-4 * (1 + norm(gp)), `generator gradient norm ${r.metrics.gradNorm}, want ${norm(gp)}`);
    assert.ok(Math.abs(r.metrics.discGradNorm - norm(gd)) <= 1e-4 * (1 + norm(gd)), `adversary gradient norm ${r.metrics.discGradNorm}, want ${norm(gd)}`);
    const host = await toHost(r.state) as unknown as { params: { p: HostArray }; disc: { d: HostArray } };
    const moved = (before: number[], after: HostArray, g: number[]) => before.forEach((v, i) => {
      if (Math.abs(g[i]) < 1e-3) return;
      assert.ok(Math.abs((after.data[i] as number) - (v - LR * Math.sign(g[i]))) < 1e-4, `coordinate ${i}: ${after.data[i]}, want ${v - LR * Math.sign(g[i])}`);
    });
    moved(p, host.params.p, gp);
    moved(d, host.disc.d, gd);
  }), { numRuns: 20 });
});

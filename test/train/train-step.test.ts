import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, toHost } from '../../src/compile/compile.ts';
import { DeviceArray } from '../../src/compile/device-array.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { grad } from '../../src/transforms/grad.ts';
import { adam, adamw, constantSchedule, globalNorm, linearWarmup, trainStep } from '../../src/train/index.ts';

type P = { w: Node; b: Node };
const params0 = { w: hostArray(Float32Array.of(1, -2, 3, 0.5), [2, 2]), b: hostArray(Float32Array.of(0.1, -0.1), [2]) };
const x = hostArray(Float32Array.of(1, 2, -1, 0.5, 3, 1), [3, 2]);
const loss = (p: P, xs: Node): Node => o.mean(o.square(o.add(o.matmul(xs, p.w), p.b)));

const scalarOf = async (d: HostArray | DeviceArray): Promise<number> => ('data' in d ? d : await d.host()).data[0];

test('trainStep: one plan returns new params and state, the loss, the pre-clip gradient norm and the lr', async () => {
  const opt = adamw({ lr: linearWarmup({ peak: 0.1, warmupSteps: 2 }), weightDecay: 0.1 });
  const step = trainStep(loss, opt, { backend: 'cpu' });
  const out = await step.run(params0, opt.initHost(params0), x);
  const g = compile((p: P, xs: Node) => ({ l: loss(p, xs), n: globalNorm(grad(loss)(p, xs)) }), { backend: 'cpu' });
  const ref = await g.run(params0, x);
  assert.equal(await scalarOf(out.loss), await scalarOf(ref.l));
  assert.ok(Math.abs(await scalarOf(out.gradNorm) - await scalarOf(ref.n)) < 1e-5);
  assert.equal(await scalarOf(out.lr), 0, 'lr at step 0 of a warmup');
  assert.equal(await scalarOf((out.state as { step: DeviceArray }).step), 1);
  const out2 = await step.run(out.params, out.state, x);
  assert.ok(Math.abs(await scalarOf(out2.lr) - 0.05) < 1e-7);
  assert.ok((out.params as { w: DeviceArray }).w.released, 'the step consumed (was donated) the previous parameters');
  assert.throws(() => (out.params as { w: DeviceArray }).w.shape, /donated to a compiled call/);
  assert.equal(step.planCount, 1, 'host and device inputs of the same shapes share one plan');
});

test('trainStep with clip: the update is the one for gradients scaled to the clip norm; the reported norm is pre-clip', async () => {
  // b1 = b2 = 0: the first Adam update is lr * g / (|g| + eps), elementwise, so it can be checked by hand
  const lr = 0.5;
  const eps = 3;
  const maxNorm = 0.25;
  const opt = adam({ lr: constantSchedule(lr), b1: 0, b2: 0, eps });
  const step = trainStep(loss, opt, { backend: 'cpu', clip: maxNorm });
  const out = await step.run(params0, opt.initHost(params0), x);
  const gfn = compile((p: P, xs: Node) => grad(loss)(p, xs), { backend: 'cpu' });
  const g = await toHost(await gfn.run(params0, x)) as { w: HostArray; b: HostArray };
  const all = [...Array.from(g.w.data), ...Array.from(g.b.data)];
  const norm = Math.hypot(...all);
  assert.ok(norm > maxNorm, 'the case clips');
  assert.ok(Math.abs(await scalarOf(out.gradNorm) - norm) < 1e-5 * norm);
  const w = (await toHost(out.params) as { w: HostArray }).w.data;
  Array.from(params0.w.data).forEach((p, i) => {
    const gc = (g.w.data[i] * maxNorm) / norm;
    assert.ok(Math.abs(w[i] - (p - (lr * gc) / (Math.abs(gc) + eps))) < 1e-6, `w[${i}]`);
  });
  assert.equal(opt.learningRate({ step: o.scalar(3), mu: {}, nu: {} }).shape.length, 0);
});

test('a loss that takes a key: the step is deterministic per key', async () => {
  const noisy = (p: P, xs: Node, k: Node): Node => loss(p, o.add(xs, o.normal(k, xs.shape, 0.1)));
  const opt = adam({ lr: 0.01 });
  const step = trainStep(noisy, opt, { backend: 'cpu' });
  const a = await step.run(params0, opt.initHost(params0), x, keyFromSeed(1));
  const b = await step.run(params0, opt.initHost(params0), x, keyFromSeed(1));
  const c = await step.run(params0, opt.initHost(params0), x, keyFromSeed(2));
  assert.equal(await scalarOf(a.loss), await scalarOf(b.loss));
  assert.notEqual(await scalarOf(a.loss), await scalarOf(c.loss));
});

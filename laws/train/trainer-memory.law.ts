// The executor owns device memory: a trainer's step consumes the state it is given and reads its
// metrics back, so repeated steps (whole, or split into gradients and apply as data-parallel
// replicas run them) leave the number of live tensors unchanged, on every backend, with no
// release anywhere in the loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { adam } from '../../src/train/adam.ts';
import { emaUpdate } from '../../src/train/ema.ts';
import { trainer, type Objective, type TrainState } from '../../src/train/trainer.ts';
import type { Tree } from '../../src/tree/tree.ts';
import { allBackends, liveArrays, ready } from '../helpers/backends.ts';

type Arrays = { readonly x: HostArray; readonly y: HostArray };

// a linear model with an EMA carried beside the parameters, as the AR objective carries one
const objective: Objective<'plain' | 'scaled', Arrays> = {
  name: 'memory-law',
  optimizer: adam({ lr: 0.01 }),
  clip: 1,
  loss: (variant, params, x) => {
    const p = params as { w: Node; b: Node };
    const pred = o.add(o.matmul(x.x, p.w), p.b);
    const mse = o.mean(o.square(o.sub(variant === 'scaled' ? o.mul(pred, o.scalar(2)) : pred, x.y)));
    return { total: mse, terms: { mse } };
  },
  carry: {
    init: (params) => ({ ema: params }),
    update: (carried, params) => ({ ema: emaUpdate(carried['ema'] as Tree<Node>, params, 0.9) }),
  },
};

const batch = (seed: number): Arrays => ({
  x: hostArray(normalHost(keyFromSeed(seed), 8 * 3), [8, 3]),
  y: hostArray(normalHost(keyFromSeed(seed + 1), 8 * 2), [8, 2]),
});

// everything a test built stays referenced, so collection of one backend's plans cannot change
// the count while another backend is measured
const keep: unknown[] = [];

for (const backend of allBackends) {
  test(`repeated trainer steps leave the live-tensor count unchanged on ${backend}`, async () => {
    await ready(backend);
    await fc.assert(fc.asyncProperty(fc.integer({ min: 2, max: 4 }), fc.array(fc.constantFrom('plain', 'scaled' as const), { minLength: 2, maxLength: 2 }), async (steps, variants) => {
      const t = trainer(objective, { backend });
      const params = { w: hostArray(normalHost(keyFromSeed(3), 6), [3, 2]), b: hostArray(new Float32Array(2), [2]) };
      let state: TrainState = t.initState(params);
      // one warm step per variant: plans traced, constants and the state uploaded
      for (const v of variants) state = (await t.step(state, { variant: v, arrays: batch(1) })).state;
      const before = liveArrays(backend);
      for (let i = 0; i < steps; i++) {
        const r = await t.step(state, { variant: variants[i % 2]!, arrays: batch(10 + i) });
        assert.ok(Number.isFinite(r.metrics['mse']) && Number.isFinite(r.metrics['gradNorm']), 'the metrics come back as numbers');
        state = r.state;
      }
      assert.equal(liveArrays(backend), before, `${steps} steps changed the live-tensor count`);
      keep.push(t, state);
    }), { numRuns: 3 });
  });

  test(`repeated gradients-then-apply steps (a data-parallel replica) leave the live-tensor count unchanged on ${backend}`, async () => {
    await ready(backend);
    const t = trainer(objective, { backend });
    const params = { w: hostArray(normalHost(keyFromSeed(4), 6), [3, 2]), b: hostArray(new Float32Array(2), [2]) };
    let state: TrainState = t.initState(params);
    const once = async (i: number) => {
      const g = await t.gradients(state, { variant: 'plain', arrays: batch(20 + i) });
      state = (await t.apply(state, g.grads)).state;
    };
    await once(0);
    const before = liveArrays(backend);
    for (let i = 1; i < 4; i++) await once(i);
    assert.equal(liveArrays(backend), before, 'gradients/apply changed the live-tensor count');
    keep.push(t, state);
  });
}

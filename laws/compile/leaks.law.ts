import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release } from '../../src/compile/compile.ts';
import * as o from '../../src/ops/index.ts';
import { valueAndGrad } from '../../src/transforms/grad.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import type { Node } from '../../src/ir/node.ts';
import { floatArrayArb } from '../helpers/arbitraries.ts';
import { allBackends, liveArrays, ready } from '../helpers/backends.ts';

// A training-step-shaped graph: forward, backward, top-k, random numbers, a dead branch.
const step = (p: { w: Node; b: Node }, x: Node, key: Node) => {
  const loss = (q: typeof p) => o.mean(o.square(o.gelu(o.add(o.matmul(x, q.w), q.b))));
  const [l, g] = valueAndGrad(loss)(p);
  void o.exp(x); // dead: built, never returned
  return { l, g, noise: o.normal(key, [2]), top: o.topk(x, 2).indices, same: x };
};

for (const backend of allBackends) {
  test(`repeated runs of a compiled plan leak no tensors on ${backend}`, async () => {
    await ready(backend);
    await fc.assert(fc.asyncProperty(floatArrayArb([4, 3]), floatArrayArb([3, 2]), fc.integer({ min: 2, max: 4 }), async (x, w, runs) => {
      const c = compile(step, { backend });
      const b = { data: new Float32Array(2), shape: [2], dtype: 'float32' as const };
      release(await c.run({ w, b }, x, keyFromSeed(1))); // first run uploads the plan's constants
      const before = liveArrays(backend);
      for (let i = 0; i < runs; i++) release(await c.run({ w, b }, x, keyFromSeed(i)));
      assert.equal(liveArrays(backend), before, 'tensor count grew across runs');
      c.dispose();
    }), { numRuns: 3 });
  });
}

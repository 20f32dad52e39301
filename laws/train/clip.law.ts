import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import type { HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import type { Tree } from '../../src/tree/tree.ts';
import { clipByGlobalNorm } from '../../src/train/clip.ts';
import { refGlobalNorm } from './reference.ts';
import { carve, hostLeaves, leafShapesArb, nest, poolArb } from './trees.ts';

const caseArb = fc.record({ shapes: leafShapesArb(), pool: poolArb(-3, 3), maxNorm: fc.double({ min: 0.05, max: 20, noNaN: true }) })
  .map((c) => ({ grads: carve(c.shapes, c.pool), maxNorm: c.maxNorm }));

test('clipByGlobalNorm: output norm <= maxNorm, direction kept, unchanged when under; reports the pre-clip norm', async () => {
  await fc.assert(fc.asyncProperty(caseArb, async ({ grads, maxNorm }) => {
    const fn = compile((g: Tree<Node>) => clipByGlobalNorm(g, maxNorm), { backend: 'cpu' });
    const out = await fn.run(nest(grads));
    const host = await toHost(out) as unknown as { grads: Tree<HostArray>; norm: HostArray };
    release(out);
    fn.dispose();
    const before = hostLeaves(nest(grads)).leaves.map((l) => l.data);
    const after = hostLeaves(host.grads).leaves.map((l) => l.data);
    const norm = refGlobalNorm(before);
    assert.ok(Math.abs(host.norm.data[0] - norm) <= 1e-5 * (1 + norm), `norm ${host.norm.data[0]} vs ${norm}`);
    assert.ok(refGlobalNorm(after) <= maxNorm * (1 + 1e-5), `clipped norm ${refGlobalNorm(after)} > ${maxNorm}`);
    if (host.norm.data[0] <= Math.fround(maxNorm)) {
      after.forEach((a, i) => assert.deepEqual(Array.from(a), Array.from(before[i])));
    } else {
      const s = maxNorm / norm;
      after.forEach((a, i) => a.forEach((v, j) => assert.ok(Math.abs(v - before[i][j] * s) <= 1e-5 * (1 + Math.abs(before[i][j])), 'scaled by maxNorm / norm'))); 
    }
  }), { numRuns: 60 });
});

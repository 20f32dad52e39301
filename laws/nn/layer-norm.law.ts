import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release } from '../../src/compile/compile.ts';
import { type DeviceArray } from '../../src/compile/device-array.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { layerNorm } from '../../src/nn/layer-norm.ts';
import { rmsNorm } from '../../src/nn/rms-norm.ts';
import type { Params } from '../../src/nn/module.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { floatsArb } from '../helpers/arbitraries.ts';

const caseArb = fc.record({
  rows: fc.integer({ min: 1, max: 4 }), dim: fc.integer({ min: 2, max: 16 }),
  pool: floatsArb(64, -3, 3), eps: fc.constantFrom(1e-6, 1e-5, 1e-3),
}).map((c) => ({ ...c, x: c.pool.slice(0, c.rows * c.dim) }));

const rowStats = (x: ArrayLike<number>, r: number, d: number) => {
  let m = 0;
  for (let j = 0; j < d; j++) m += x[r * d + j];
  m /= d;
  let v = 0;
  for (let j = 0; j < d; j++) v += (x[r * d + j] - m) ** 2;
  return { mean: m, variance: v / d };
};

const run = async (f: (p: never, x: Node) => Node, params: unknown, x: Float32Array, shape: number[]) => {
  const fn = compile((p: never, xs: Node) => f(p, xs), { backend: 'cpu' });
  const out = await fn.run(params, hostArray(x, shape)) as DeviceArray;
  const y = (await out.host()).data;
  release(out);
  fn.dispose();
  return y;
};

test('layerNorm (initial scale 1, bias 0): each row has mean 0 and variance s2 / (s2 + eps)', async () => {
  await fc.assert(fc.asyncProperty(caseArb, async ({ rows, dim, x, eps }) => {
    const ln = layerNorm({ dim, eps });
    const y = await run((p, xs) => ln.apply(p as Params<ReturnType<typeof ln.init>>, xs), ln.init(keyFromSeed(0)), x, [rows, dim]);
    for (let r = 0; r < rows; r++) {
      const s2 = rowStats(x, r, dim).variance;
      const out = rowStats(y, r, dim);
      assert.ok(Math.abs(out.mean) <= 1e-5, `row ${r} mean ${out.mean}`);
      assert.ok(Math.abs(out.variance - s2 / (s2 + eps)) <= 2e-4, `row ${r} variance ${out.variance} vs ${s2 / (s2 + eps)}`);
    }
  }), { numRuns: 40 });
});

test('rmsNorm (initial scale 1): each row has mean square ms / (ms + eps)', async () => {
  await fc.assert(fc.asyncProperty(caseArb, async ({ rows, dim, x, eps }) => {
    const rn = rmsNorm({ dim, eps });
    const y = await run((p, xs) => rn.apply(p as Params<ReturnType<typeof rn.init>>, xs), rn.init(keyFromSeed(0)), x, [rows, dim]);
    for (let r = 0; r < rows; r++) {
      let ms = 0;
      let out = 0;
      for (let j = 0; j < dim; j++) { ms += x[r * dim + j] ** 2 / dim; out += y[r * dim + j] ** 2 / dim; }
      assert.ok(Math.abs(out - ms / (ms + eps)) <= 2e-4, `row ${r}: ${out} vs ${ms / (ms + eps)}`);
    }
  }), { numRuns: 40 });
});

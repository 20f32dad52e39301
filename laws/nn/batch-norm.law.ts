// Batch norm in training mode: every channel of the output has mean `bias` and (biased) standard
// deviation |scale| over all the other axes, whatever the input's scale and offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runOnce } from '../../src/compile/compile.ts';
import type { HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { batchNorm } from '../../src/nn/batch-norm.ts';
import { add, mul } from '../../src/ops/index.ts';
import { floatArrayArb } from '../helpers/arbitraries.ts';
import { ready } from '../helpers/backends.ts';

test('each channel comes out with mean bias and standard deviation |scale|', async () => {
  await ready('cpu');
  const C = 3;
  const bn = batchNorm({ dim: C, eps: 1e-8 });
  await fc.assert(fc.asyncProperty(floatArrayArb([4, 5, C], -1, 1), floatArrayArb([C], -2, 2), floatArrayArb([C], -2, 2), fc.double({ min: 0.1, max: 50, noNaN: true }), fc.double({ min: -20, max: 20, noNaN: true }),
    async (x, scale, bias, gain, shift) => {
      const y = await runOnce((v: Node, s: Node, b: Node) => bn.apply({ scale: s, bias: b }, add(mul(v, gain), shift)), [x, scale, bias], { backend: 'cpu' }) as HostArray;
      for (let c = 0; c < C; c++) {
        const col = Array.from({ length: 20 }, (_, i) => y.data[i * C + c] as number);
        const xs = Array.from({ length: 20 }, (_, i) => x.data[i * C + c] as number);
        const m = col.reduce((a, v) => a + v, 0) / 20;
        const sd = Math.sqrt(col.reduce((a, v) => a + (v - m) ** 2, 0) / 20);
        const spread = Math.max(...xs) - Math.min(...xs);
        assert.ok(Math.abs(m - (bias.data[c] as number)) < 1e-3 * (1 + Math.abs(scale.data[c] as number)), `channel ${c}: mean ${m}`);
        if (spread > 1e-2) assert.ok(Math.abs(sd - Math.abs(scale.data[c] as number)) < 2e-3 * (1 + Math.abs(scale.data[c] as number)), `channel ${c}: sd ${sd}, scale ${scale.data[c]}`);
      }
    }), { numRuns: 20 });
});

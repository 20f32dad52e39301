import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import type { Params } from '../../src/nn/module.ts';
import { countParams } from '../../src/nn/params.ts';
import { transformerStack } from '../../src/nn/transformer-stack.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { floatsArb } from '../helpers/arbitraries.ts';

const cfgArb = fc.record({
  heads: fc.integer({ min: 1, max: 3 }), headDim: fc.integer({ min: 1, max: 4 }), mlpWidth: fc.integer({ min: 1, max: 8 }),
  depth: fc.integer({ min: 0, max: 2 }), norm: fc.constantFrom('layer' as const, 'rms' as const),
  activation: fc.constantFrom('gelu' as const, 'silu' as const, 'relu' as const, 'swiglu' as const),
  qkv: fc.constantFrom('fused' as const, 'separate' as const), bias: fc.boolean(), finalNorm: fc.boolean(),
  b: fc.integer({ min: 1, max: 2 }), t: fc.integer({ min: 1, max: 4 }), seed: fc.nat(1000),
}).map((c) => ({ ...c, width: c.heads * c.headDim }));

/** Parameters of one block, by hand: two norms, attention projections, the feed-forward. */
const blockParams = (c: { width: number; mlpWidth: number; norm: string; activation: string; bias: boolean }): number => {
  const w = c.width;
  const norm = c.norm === 'rms' ? w : 2 * w;
  const attn = 4 * w * w + (c.bias ? 4 * w : 0);
  const ffn = c.activation === 'swiglu'
    ? 3 * w * c.mlpWidth + (c.bias ? 2 * c.mlpWidth + w : 0)
    : 2 * w * c.mlpWidth + (c.bias ? c.mlpWidth + w : 0);
  return 2 * norm + attn + ffn;
};

test('transformer stack: [B, T, width] in, [B, T, width] out, finite; parameter count as by hand', async () => {
  await fc.assert(fc.asyncProperty(cfgArb, floatsArb(2 * 4 * 12), async (c, pool) => {
    const stack = transformerStack(c);
    const params = stack.init(keyFromSeed(c.seed));
    const norm = c.norm === 'rms' ? c.width : 2 * c.width;
    assert.equal(countParams(params), c.depth * blockParams(c) + (c.finalNorm ? norm : 0));
    const fn = compile((p: Params<typeof params>, x: Node) => stack.apply(p, x), { backend: 'cpu', checkShapes: true });
    const out = await fn.run(params, hostArray(pool.slice(0, c.b * c.t * c.width), [c.b, c.t, c.width]));
    const y = await toHost(out) as HostArray;
    release(out);
    fn.dispose();
    assert.deepEqual([...y.shape], [c.b, c.t, c.width]);
    assert.ok(Array.from(y.data).every(Number.isFinite));
  }), { numRuns: 30 });
});

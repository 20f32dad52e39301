import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, runOnce } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as nn from '../../src/nn/index.ts';
import { sliceAxis } from '../../src/ops/index.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { closeness } from '../../laws/helpers/close.ts';

const run = async <T>(fn: (...a: never[]) => unknown, ...args: unknown[]): Promise<T> => (await runOnce(fn, args, { backend: 'cpu' })) as T;

/** Columns [from, to) of a [rows, cols] host matrix (or a slice of a vector). */
const cols = (a: HostArray, from: number, to: number): HostArray => {
  if (a.shape.length === 1) return hostArray((a.data as Float32Array).slice(from, to), [to - from]);
  const [r, c] = a.shape;
  const out = new Float32Array(r * (to - from));
  for (let i = 0; i < r; i++) out.set((a.data as Float32Array).slice(i * c + from, i * c + to), i * (to - from));
  return hostArray(out, [r, to - from]);
};

test('fused and separate qkv projections compute the same attention from the same weights', async () => {
  const dim = 8;
  const fused = nn.multiHeadAttention({ dim, heads: 2 });
  const separate = nn.multiHeadAttention({ dim, heads: 2, qkv: 'separate' });
  const pf = fused.init(keyFromSeed(0)) as { qkv: { w: HostArray; b: HostArray }; out: { w: HostArray; b: HostArray } };
  const ps = {
    q: { w: cols(pf.qkv.w, 0, dim), b: cols(pf.qkv.b, 0, dim) },
    k: { w: cols(pf.qkv.w, dim, 2 * dim), b: cols(pf.qkv.b, dim, 2 * dim) },
    v: { w: cols(pf.qkv.w, 2 * dim, 3 * dim), b: cols(pf.qkv.b, 2 * dim, 3 * dim) },
    out: pf.out,
  };
  const x = hostArray(normalHost(keyFromSeed(1), 2 * 5 * dim), [2, 5, dim]);
  const mask = nn.causalMask(5);
  const a = await run<HostArray>((p: nn.Params<nn.AttentionParams>, xs: Node) => fused.apply(p, xs, { mask }), pf, x);
  const b = await run<HostArray>((p: nn.Params<nn.AttentionParams>, xs: Node) => separate.apply(p, xs, { mask }), ps, x);
  assert.ok(closeness(a.data, b.data, 1e-5, 1e-5) <= 1);
  assert.deepEqual([...a.shape], [2, 5, dim]);
});

test('cross-attention: queries from x, keys and values from a source of another width and length', async () => {
  const mha = nn.multiHeadAttention({ dim: 6, heads: 3, kvDim: 4, qkv: 'separate' });
  const p = mha.init(keyFromSeed(2));
  const x = hostArray(normalHost(keyFromSeed(3), 2 * 3 * 6), [2, 3, 6]);
  const src = hostArray(normalHost(keyFromSeed(4), 2 * 7 * 4), [2, 7, 4]);
  const y = await run<HostArray>((q: nn.Params<nn.AttentionParams>, a: Node, s: Node) => mha.attendTo(q, a, s), p, x, src);
  assert.deepEqual([...y.shape], [2, 3, 6]);
  assert.throws(() => nn.multiHeadAttention({ dim: 6, heads: 3, kvDim: 4 }), /fused/);
  assert.throws(() => nn.multiHeadAttention({ dim: 6, heads: 4 }), /divisible/);
});

test('project / attend / merge reproduce apply (the seam a KV cache uses)', async () => {
  const mha = nn.multiHeadAttention({ dim: 4, heads: 2 });
  const p = mha.init(keyFromSeed(5));
  const x = hostArray(normalHost(keyFromSeed(6), 4 * 4), [1, 4, 4]);
  const whole = await run<HostArray>((q: nn.Params<nn.AttentionParams>, a: Node) => mha.apply(q, a, { mask: nn.causalMask(4) }), p, x);
  // the last query attending to all cached keys equals the last row of full causal attention
  const last = await run<HostArray>((q: nn.Params<nn.AttentionParams>, a: Node) => {
    const { q: qh, k, v } = mha.project(q, a);
    const qLast = sliceAxis(qh, -2, 3, 4);
    const o = nn.attend(qLast, k, v, nn.causalMask(1, 4));
    return mha.merge(q, o);
  }, p, x);
  assert.deepEqual([...last.shape], [1, 1, 4]);
  assert.ok(closeness(last.data, whole.data.slice(12), 1e-5, 1e-5) <= 1);
});

test('causalMask and groupCausalMask', async () => {
  const m = await run<HostArray>(() => nn.causalMask(2, 3));
  assert.deepEqual(Array.from(m.data), [1, 1, 0, 1, 1, 1]);
  const g = await run<HostArray>(() => nn.groupCausalMask([0, 0, 1]));
  assert.deepEqual(Array.from(g.data), [1, 1, 0, 1, 1, 0, 1, 1, 1]);
  assert.throws(() => nn.causalMask(0), /positive/);
});

test('a fully masked row gives the mean of the values, not NaN', async () => {
  const q = hostArray(Float32Array.of(1, 2), [1, 2, 1]);
  const k = hostArray(Float32Array.of(1, 2), [1, 2, 1]);
  const v = hostArray(Float32Array.of(10, 20), [1, 2, 1]);
  const mask = hostArray(Uint8Array.of(0, 0, 1, 1), [2, 2]);
  const y = await run<HostArray>((a: Node, b: Node, c: Node, m: Node) => nn.attend(a, b, c, m), q, k, v, mask);
  assert.ok(Math.abs(y.data[0] - 15) < 1e-4);
});

test('attention dropout in training mode needs a key', () => {
  const mha = nn.multiHeadAttention({ dim: 4, heads: 1, dropout: 0.1 });
  const p = mha.init(keyFromSeed(0));
  assert.throws(() => compile((q: nn.Params<nn.AttentionParams>, a: Node) => mha.apply(q, a, { train: true })).trace([p, hostArray(new Float32Array(8), [2, 4])]), /ctx.key/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, runOnce } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import { GraphError } from '../../src/ir/errors.ts';
import type { Node } from '../../src/ir/node.ts';
import * as nn from '../../src/nn/index.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { grad } from '../../src/transforms/grad.ts';
import { closeness } from '../../laws/helpers/close.ts';

const run = async <T>(fn: (...a: never[]) => unknown, ...args: unknown[]): Promise<T> => (await runOnce(fn, args, { backend: 'cpu' })) as T;
const h = (data: number[], shape: number[]) => hostArray(Float32Array.from(data), shape);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => assert.ok(closeness(a, b, tol, tol) <= 1, `${Array.from(a)} vs ${Array.from(b)}`);

test('linear: x @ w + b, and without bias there is no b', async () => {
  const lin = nn.linear({ in: 2, out: 3 });
  const p = lin.init(keyFromSeed(0));
  assert.deepEqual(Object.keys(p).sort(), ['b', 'w']);
  assert.deepEqual(Object.keys(nn.linear({ in: 2, out: 3, bias: false }).init(keyFromSeed(0))), ['w']);
  const params = { w: h([1, 2, 3, 4, 5, 6], [2, 3]), b: h([10, 20, 30], [3]) };
  const y = await run<HostArray>((q: nn.Params<nn.LinearParams>, x: Node) => lin.apply(q, x), params, h([1, 1, 2, 0], [2, 2]));
  assert.deepEqual(Array.from(y.data), [15, 27, 39, 12, 24, 36]);
  const v = await run<HostArray>((q: nn.Params<nn.LinearParams>, x: Node) => lin.apply(q, x), params, h([1, 1], [2]));
  assert.deepEqual([...v.shape], [3]);
});

test('embedding: rows of the table; repeated ids accumulate gradient', async () => {
  const emb = nn.embedding({ vocab: 4, dim: 2 });
  const table = h([0, 1, 10, 11, 20, 21, 30, 31], [4, 2]);
  const ids = hostArray(Int32Array.of(2, 0, 2), [3]);
  const y = await run<HostArray>((p: nn.Params<nn.EmbeddingParams>, i: Node) => emb.apply(p, i), { table }, ids);
  assert.deepEqual(Array.from(y.data), [20, 21, 0, 1, 20, 21]);
  const g = await run<{ table: HostArray }>((p: nn.Params<nn.EmbeddingParams>, i: Node) => grad((q: nn.Params<nn.EmbeddingParams>) => o.sum(emb.apply(q, i)))(p), { table }, ids);
  assert.deepEqual(Array.from(g.table.data), [1, 1, 0, 0, 2, 2, 0, 0]);
  assert.throws(() => compile((p: nn.Params<nn.EmbeddingParams>, i: Node) => emb.apply(p, i)).trace([{ table }, h([1], [1])]), GraphError);
});

test('layerNorm with scale and bias; rmsNorm by hand', async () => {
  const ln = nn.layerNorm({ dim: 2, eps: 0 });
  const y = await run<HostArray>((p: nn.Params<nn.LayerNormParams>, x: Node) => ln.apply(p, x), { scale: h([2, 3], [2]), bias: h([1, 1], [2]) }, h([1, 3], [1, 2]));
  close(y.data, [-1, 4]);
  assert.deepEqual(nn.layerNorm({ dim: 3, affine: false }).init(keyFromSeed(0)), {});
  const rn = nn.rmsNorm({ dim: 2, eps: 0 });
  const r = await run<HostArray>((p: nn.Params<nn.RmsNormParams>, x: Node) => rn.apply(p, x), { scale: h([1, 2], [2]) }, h([3, 4], [1, 2]));
  const rms = Math.sqrt((9 + 16) / 2);
  close(r.data, [3 / rms, 8 / rms]);
});

test('mlp and swiglu: shapes and values by hand', async () => {
  const m = nn.mlp({ dim: 1, hidden: 2, activation: 'relu' });
  const pm = { fc1: { w: h([1, -1], [1, 2]), b: h([0, 0], [2]) }, fc2: { w: h([1, 1], [2, 1]), b: h([0.5], [1]) } };
  const y = await run<HostArray>((p: nn.Params<nn.MlpParams>, x: Node) => m.apply(p, x), pm, h([2, -3], [2, 1]));
  close(y.data, [2.5, 3.5]);
  const s = nn.swiglu({ dim: 1, hidden: 1 });
  const ps = { gate: { w: h([1], [1, 1]) }, up: { w: h([2], [1, 1]) }, down: { w: h([3], [1, 1]) } };
  const z = await run<HostArray>((p: nn.Params<nn.SwigluParams>, x: Node) => s.apply(p, x), ps, h([1], [1, 1]));
  close(z.data, [3 * (1 / (1 + Math.exp(-1))) * 2]);
  assert.deepEqual(Object.keys(nn.swiglu({ dim: 4, hidden: 8 }).init(keyFromSeed(0))), ['gate', 'up', 'down']);
});

test('dropout: identity unless training; training needs a key; deterministic per key; keeps ~1-rate scaled by 1/(1-rate)', async () => {
  const d = nn.dropout(0.25);
  const x = h(Array(4000).fill(1), [4000]);
  const id = await run<HostArray>((xs: Node) => d.apply({}, xs, { train: false }), x);
  assert.deepEqual(Array.from(id.data), Array(4000).fill(1));
  assert.throws(() => compile((xs: Node) => d.apply({}, xs, { train: true })).trace([x]), /needs a key/);
  const f = (xs: Node, k: Node) => d.apply({}, xs, { train: true, key: k });
  const a = await run<HostArray>(f, x, keyFromSeed(1));
  const b = await run<HostArray>(f, x, keyFromSeed(1));
  const c = await run<HostArray>(f, x, keyFromSeed(2));
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
  assert.notDeepEqual(Array.from(a.data), Array.from(c.data));
  const kept = Array.from(a.data).filter((v) => v !== 0);
  assert.ok(Math.abs(kept.length / 4000 - 0.75) < 0.03);
  kept.forEach((v) => assert.ok(Math.abs(v - 4 / 3) < 1e-6));
});

test('sequential (list and record), residual, repeat and fn compose; children get distinct keys', async () => {
  const list = nn.sequential([nn.linear({ in: 2, out: 2 }), nn.fn(o.relu), nn.linear({ in: 2, out: 2 })]);
  const pl = list.init(keyFromSeed(0));
  assert.equal(pl.length, 3);
  assert.notDeepEqual(Array.from(pl[0].w.data), Array.from(pl[2].w.data), 'siblings are initialised from different keys');
  const named = nn.sequential({ up: nn.linear({ in: 2, out: 3 }), down: nn.linear({ in: 3, out: 2, bias: false }) });
  assert.deepEqual(nn.paramShapes(named.init(keyFromSeed(0))).map((p) => p.path), ['down.w', 'up.b', 'up.w']);
  const res = nn.residual(nn.linear({ in: 2, out: 2, bias: false }));
  const y = await run<HostArray>((p: nn.Params<nn.LinearParams>, x: Node) => res.apply(p, x), { w: h([1, 0, 0, 1], [2, 2]) }, h([1, 2], [1, 2]));
  assert.deepEqual(Array.from(y.data), [2, 4]);
  const rep = nn.repeat(nn.linear({ in: 2, out: 2, bias: false }), 3);
  const pr = rep.init(keyFromSeed(1));
  assert.equal(pr.length, 3);
  const doubled = [0, 1, 2].map(() => ({ w: h([2, 0, 0, 2], [2, 2]) }));
  const z = await run<HostArray>((p: nn.Params<readonly nn.LinearParams[]>, x: Node) => rep.apply(p, x), doubled, h([1, -1], [1, 2]));
  assert.deepEqual(Array.from(z.data), [8, -8]);
  // a record sequential runs in insertion order, not the sorted order of its parameters
  const order = nn.sequential({ b: nn.fn((x) => o.add(x, 1)), a: nn.fn((x) => o.mul(x, 10)) });
  const w = await run<HostArray>((x: Node) => order.apply({ a: {}, b: {} }, x), h([1], [1]));
  assert.deepEqual(Array.from(w.data), [20]);
});

test('sequential splits ctx.key: two dropouts in a row use different masks', async () => {
  const twice = nn.sequential([nn.dropout(0.5), nn.fn((x, ctx) => o.concat([x, nn.applyDropout(o.onesLike(x), 0.5, ctx)], 0))]);
  const y = await run<HostArray>((x: Node, k: Node) => twice.apply([{}, {}], x, { train: true, key: k }), h(Array(64).fill(1), [64]), keyFromSeed(3));
  assert.notDeepEqual(Array.from(y.data.slice(0, 64)), Array.from(y.data.slice(64)));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { broadcastTo, constant, reshape, sliceAxis, topKFilter } from '../../src/ops/index.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { categoricalInverseCdf, cfgMix, FILTERED, topPFilter } from '../../src/detailflow/sample/filter.ts';
import { floatsArb } from '../helpers/arbitraries.ts';

/** Logit filters on random rows [R, V], compiled on the cpu backend. */
const R = 3;
const V = 16;
const rowsArb = floatsArb(R * V, -6, 6).map((d) => hostArray(d, [R, V]));

const runOn = async (f: (x: Node) => Node, x: HostArray): Promise<Float32Array> => {
  const c = compile(f, { backend: 'cpu' });
  const out = await c.run(x);
  const h = (await toHost(out) as HostArray).data as Float32Array;
  release(out);
  c.dispose();
  return h;
};

/** Conditional (i = 0) or unconditional (i = 1) half of [2, R, V]. */
const half = (l: Node, i: number): Node => reshape(sliceAxis(l, 0, i, i + 1), [R, V]);
const row = (d: Float32Array, r: number) => Array.from(d.subarray(r * V, (r + 1) * V));
const probs = (xs: number[]) => { const m = Math.max(...xs); const e = xs.map((x) => Math.exp(x - m)); const s = e.reduce((a, b) => a + b, 0); return e.map((x) => x / s); };

test('top-k with k >= V and top-p = 1 are identities (bit for bit)', async () => {
  await fc.assert(fc.asyncProperty(rowsArb, fc.integer({ min: V, max: 3 * V }), async (x, k) => {
    assert.deepEqual(await runOn((l) => topKFilter(l, k), x), x.data);
    assert.deepEqual(await runOn((l) => topPFilter(l, 1), x), x.data);
  }), { numRuns: 10 });
});

test('top-p keeps the argmax, and the kept probability mass is >= p (up to 1e-5)', async () => {
  await fc.assert(fc.asyncProperty(rowsArb, fc.double({ min: 1e-3, max: 1, noNaN: true }), async (x, p) => {
    const got = await runOn((l) => topPFilter(l, p), x);
    for (let r = 0; r < R; r++) {
      const src = row(x.data as Float32Array, r);
      const kept = row(got, r).map((v) => v > FILTERED / 2);
      const top = src.indexOf(Math.max(...src));
      assert.ok(kept[top], `row ${r}: the argmax was filtered`);
      row(got, r).forEach((v, i) => assert.ok(!kept[i] || v === src[i], 'kept logits are unchanged'));
      const mass = probs(src).reduce((s, q, i) => s + (kept[i] ? q : 0), 0);
      assert.ok(mass >= p - 1e-5, `row ${r}: kept mass ${mass} < p ${p}`);
      // minimal: dropping the smallest kept logit would leave mass < p (ties aside)
      const keptVals = src.filter((_, i) => kept[i]);
      const smallest = Math.min(...keptVals);
      const without = probs(src).reduce((s, q, i) => s + (kept[i] && src[i] !== smallest ? q : 0), 0);
      assert.ok(without <= p + 1e-5, `row ${r}: mass ${without} without the smallest kept is already >= p ${p}`);
    }
  }), { numRuns: 25 });
});

test('top-k leaves at least k finite logits (exactly k without ties)', async () => {
  await fc.assert(fc.asyncProperty(rowsArb, fc.integer({ min: 1, max: V - 1 }), async (x, k) => {
    const got = await runOn((l) => topKFilter(l, k), x);
    for (let r = 0; r < R; r++) {
      const src = row(x.data as Float32Array, r);
      const n = row(got, r).filter((v) => v > FILTERED / 2).length;
      const distinct = new Set(src).size === V;
      assert.ok(distinct ? n === k : n >= k, `row ${r}: ${n} kept for k = ${k}`);
    }
  }), { numRuns: 20 });
});

test('CFG mix: c + (s-1)(c-u) = u + s(c-u) (|diff| <= 1e-4 (1 + |x|)), and s = 1 gives c exactly', async () => {
  await fc.assert(fc.asyncProperty(rowsArb, rowsArb, fc.double({ min: 1, max: 8, noNaN: true }), async (c, u, s) => {
    const x = hostArray(Float32Array.from([...c.data, ...u.data]), [2, R, V]);
    const got = await runOn((l) => cfgMix(half(l, 0), half(l, 1), s), x);
    got.forEach((v, i) => { const w = u.data[i] + s * (c.data[i] - u.data[i]); assert.ok(Math.abs(v - w) <= 1e-4 * (1 + Math.abs(w))); });
    assert.deepEqual(await runOn((l) => cfgMix(half(l, 0), half(l, 1), 1), x), c.data);
  }), { numRuns: 10 });
});

test('inverse-CDF draws follow softmax(logits): 20000 draws within 5 standard errors; filtered tokens are never drawn', async () => {
  const n = 20000;
  const logits = [2, 1, 0.5, 0, -1, FILTERED, 3, -0.5];
  const f = compile((key: Node) => categoricalInverseCdf(key, broadcastTo(constant(Float32Array.from(logits), [1, 8]), [n, 8])), { backend: 'cpu' });
  await fc.assert(fc.asyncProperty(fc.nat(), async (seed) => {
    const out = await f.run(keyFromSeed(seed));
    const draws = (await toHost(out) as HostArray).data;
    release(out);
    const p = probs(logits);
    p.forEach((q, i) => {
      const freq = draws.filter((d) => d === i).length / n;
      assert.ok(Math.abs(freq - q) <= 5 * Math.sqrt((q * (1 - q)) / n) + 1e-9, `token ${i}: ${freq} vs ${q}`);
    });
  }), { numRuns: 5 });
  f.dispose();
});

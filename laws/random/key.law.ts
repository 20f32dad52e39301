import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldIn, keyFromSeed, normalHost, split, uniformHost } from '../../src/random/key.ts';
import { compile, toHost } from '../../src/compile/compile.ts';
import * as o from '../../src/ops/index.ts';
import type { Node } from '../../src/ir/node.ts';
import type { HostArray } from '../../src/ir/host-array.ts';
import { ready } from '../helpers/backends.ts';

const seedArb = fc.nat({ max: 2 ** 40 });

test('the same key gives the same numbers', () => {
  fc.assert(fc.property(seedArb, fc.integer({ min: 1, max: 300 }), (s, n) => {
    assert.deepEqual(uniformHost(keyFromSeed(s), n), uniformHost(keyFromSeed(s), n));
    assert.deepEqual(normalHost(keyFromSeed(s), n), normalHost(keyFromSeed(s), n));
  }));
});

test('split keys give different streams, and differ from their parent', () => {
  fc.assert(fc.property(seedArb, fc.integer({ min: 2, max: 8 }), (s, n) => {
    const parent = keyFromSeed(s);
    const streams = [parent, ...split(parent, n)].map((k) => uniformHost(k, 8).join());
    assert.equal(new Set(streams).size, n + 1);
  }));
});

test('foldIn is a pure function of (key, index)', () => {
  fc.assert(fc.property(seedArb, fc.nat(1000), (s, i) => {
    assert.deepEqual(foldIn(keyFromSeed(s), i), foldIn(keyFromSeed(s), i));
  }));
});

test('uniform numbers lie in [0, 1) and have mean 1/2 and variance 1/12', () => {
  fc.assert(fc.property(seedArb, (s) => {
    const u = uniformHost(keyFromSeed(s), 20000);
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const m = u.reduce((a, b) => a + b, 0) / u.length;
    const v = u.reduce((a, b) => a + (b - m) ** 2, 0) / u.length;
    assert.ok(Math.abs(m - 0.5) < 0.015, `mean ${m}`);
    assert.ok(Math.abs(v - 1 / 12) < 0.005, `variance ${v}`);
  }), { numRuns: 10 });
});

test('normal numbers have mean 0 and variance 1', () => {
  fc.assert(fc.property(seedArb, (s) => {
    const z = normalHost(keyFromSeed(s), 20000);
    const m = z.reduce((a, b) => a + b, 0) / z.length;
    const v = z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length;
    assert.ok(Math.abs(m) < 0.04 && Math.abs(v - 1) < 0.05, `mean ${m}, variance ${v}`);
  }), { numRuns: 10 });
});

// Chi-square bound: with k - 1 <= 5 degrees of freedom, P(X^2 > 25) < 1.4e-4.
test('categorical sampling frequencies match the probabilities', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 2, maxLength: 6 }), seedArb, async (w, s) => {
    const n = 4000;
    const total = w.reduce((a, b) => a + b, 0);
    const logits = Float32Array.from(w, (x) => Math.log(x));
    const f = compile((l: Node, k: Node) => o.categorical(k, o.broadcastTo(l, [n, w.length])), { backend: 'cpu' });
    const out = (await toHost(await f.run({ data: logits, shape: [w.length], dtype: 'float32' }, keyFromSeed(s)))) as HostArray;
    const counts = new Array(w.length).fill(0);
    for (const c of out.data) counts[c]++;
    const chi2 = counts.reduce((acc, c, i) => acc + (c - (n * w[i]) / total) ** 2 / ((n * w[i]) / total), 0);
    assert.ok(chi2 < 25, `chi-square ${chi2.toFixed(2)} for counts ${counts} and weights ${w.map((x) => (x / total).toFixed(3))}`);
  }), { numRuns: 10 });
});

test('random primitives give identical streams on every backend', async () => {
  const run = async (backend: 'cpu' | 'wasm' | 'webgpu') => {
    await ready(backend);
    const f = compile((k: Node) => o.concat([o.uniform(o.splitKey(k, 1), [5]), o.normal(k, [5])]), { backend });
    return Array.from(((await toHost(await f.run(keyFromSeed(7)))) as HostArray).data);
  };
  const cpu = await run('cpu');
  assert.deepEqual(await run('wasm'), cpu);
  assert.deepEqual(await run('webgpu'), cpu);
});

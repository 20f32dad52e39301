import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import type { HostArray } from '../../src/ir/host-array.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { passCount, passInputLength } from '../../src/detailflow/pass-plan.ts';
import { decodeArConfig, type ArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel, type ArParams } from '../../src/detailflow/ar/model.ts';
import { arSampler, type ArSampler } from '../../src/detailflow/sample/sampler.ts';
import type { BackendName } from '../../src/compile/backend.ts';
import { ready } from '../helpers/backends.ts';

/**
 * Sampler laws on small models (width 32, depth 2, N = 16, V = 64) on the cpu backend
 * (DETAILFLOW_BACKEND overrides). Logits are O(1) (initStd 0.2, head std 0.5), so samples
 * are far from uniform and the comparisons below can fail.
 */
const backend = (process.env.DETAILFLOW_BACKEND ?? 'cpu') as BackendName;
before(() => ready(backend));
const layouts = [{ group: 4, causal: 4 }, { group: 4, causal: 8 }, { group: 2, causal: 2 }] as const;

interface Fixture { readonly c: ArConfig; readonly s: ArSampler; readonly fixed: ArSampler; readonly params: ArParams }
const fixtures = new Map<string, Fixture>();
const fixture = (o: Partial<ArConfig>): Fixture => {
  const id = JSON.stringify(o);
  const hit = fixtures.get(id);
  if (hit) return hit;
  const r = decodeArConfig({ vocab: 64, tokens: 16, classes: 10, width: 32, depth: 2, heads: 2, mlpHidden: 64, initStd: 0.2, headInitStd: 0.5, ...o });
  if (E.isLeft(r)) throw r.left;
  const f = { c: r.right, s: arSampler(r.right, { backend }, 'growing'), fixed: arSampler(r.right, { backend }, 'fixed'), params: arModel(r.right).init(keyFromSeed(7)) };
  fixtures.set(id, f);
  return f;
};

const labelsArb = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 });
const same = (a: HostArray, b: HostArray) => a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i]);

test('the grouped sampler makes 1 + (C-1) + (N/g - C/g) passes, with the reference input lengths, and outputs N indices in [0, V)', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...layouts), labelsArb, fc.nat(), fc.boolean(), async (o, labels, seed, cache) => {
    const { c, s, params } = fixture(o);
    const r = await s.grouped(params, labels, keyFromSeed(seed), { cfg: 1.5, cache });
    assert.equal(r.passes, 1 + (c.causal - 1) + (c.tokens / c.group - c.causal / c.group));
    assert.equal(r.log.length, passCount(c));
    assert.deepEqual(r.tokens.shape, [labels.length, c.tokens]);
    assert.ok(r.tokens.dtype === 'int32' && r.tokens.data.every((t) => Number.isInteger(t) && t >= 0 && t < c.vocab));
    // the sampled spans tile [0, N); without a cache each pass recomputes [0, L), with one only [prev L, L)
    assert.deepEqual(r.log.flatMap((p) => Array.from({ length: p.sample.end - p.sample.start }, (_, i) => p.sample.start + i)), [...Array(c.tokens).keys()]);
    r.log.forEach((p, i) => {
      assert.equal(p.to, passInputLength(p.sample, c));
      assert.equal(p.from, cache && i > 0 ? r.log[i - 1].to : 0);
    });
  }), { numRuns: 12 });
});

test('token by token (g = 1): N passes of one token each', async () => {
  const { c, s, params } = fixture({ group: 1, causal: 1 });
  const r = await s.tokenByToken(params, [1, 2], keyFromSeed(3), { cfg: 2 });
  assert.equal(r.passes, c.tokens);
  assert.ok(r.log.every((p) => p.sample.end - p.sample.start === 1));
});

test('the same key gives the same samples; different keys give different ones', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...layouts), labelsArb, fc.nat(), fc.nat(), async (o, labels, k1, k2) => {
    fc.pre(k1 !== k2);
    const { s, params } = fixture(o);
    const a = await s.grouped(params, labels, keyFromSeed(k1), { cfg: 1.5 });
    const b = await s.grouped(params, labels, keyFromSeed(k1), { cfg: 1.5 });
    const d = await s.grouped(params, labels, keyFromSeed(k2), { cfg: 1.5 });
    assert.ok(same(a.tokens, b.tokens), 'same key, different samples');
    assert.ok(!same(a.tokens, d.tokens), 'different keys, same samples');
  }), { numRuns: 8 });
});

test('CFG with scale 1 (doubled batch) equals conditional sampling', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...layouts), labelsArb, fc.nat(), async (o, labels, seed) => {
    const { s, params } = fixture(o);
    const plain = await s.grouped(params, labels, keyFromSeed(seed));
    const doubled = await s.grouped(params, labels, keyFromSeed(seed), { cfg: 1, guidance: 'always' });
    assert.ok(same(plain.tokens, doubled.tokens));
  }), { numRuns: 8 });
});

test('top-k with k >= V and top-p = 1 sample exactly as no filtering', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...layouts), labelsArb, fc.nat(), fc.integer({ min: 64, max: 200 }), async (o, labels, seed, k) => {
    const { s, params } = fixture(o);
    const plain = await s.grouped(params, labels, keyFromSeed(seed), { cfg: 1.5 });
    assert.ok(same(plain.tokens, (await s.grouped(params, labels, keyFromSeed(seed), { cfg: 1.5, topK: k, topP: 1 })).tokens));
  }), { numRuns: 6 });
});

test('top-k = 1 and top-p -> 0 are greedy: they agree with each other for any key', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...layouts), labelsArb, fc.nat(), fc.nat(), async (o, labels, k1, k2) => {
    const { s, params } = fixture(o);
    const a = await s.grouped(params, labels, keyFromSeed(k1), { cfg: 1.5, topK: 1 });
    const b = await s.grouped(params, labels, keyFromSeed(k2), { cfg: 1.5, topP: 1e-6 });
    assert.ok(same(a.tokens, b.tokens));
  }), { numRuns: 6 });
});

test('the KV cache samples exactly what full-prefix recomputation samples (same key)', async () => {
  // and the next-scale layout (scales 1, 1, 1, 2, 3 holding the previous one upsampled)
  for (const o of [...layouts, { group: 1, causal: 1 }, { spans: [1, 1, 1, 4, 9], inputs: 'scales' as const }]) {
    const { s, params } = fixture(o);
    for (const seed of [1, 2, 3]) {
      const opts = { cfg: 1.45, temperature: 1, topP: 0.95 };
      const one = 'group' in o && o.group === 1;
      const a = await (one ? s.tokenByToken : s.grouped)(params, [seed, 4], keyFromSeed(seed), { ...opts, cache: true });
      const b = await (one ? s.tokenByToken : s.grouped)(params, [seed, 4], keyFromSeed(seed), { ...opts, cache: false });
      if ('spans' in o) assert.equal(a.passes, 5, 'one pass per scale');
      assert.ok(same(a.tokens, b.tokens), `layout ${JSON.stringify(o)} seed ${seed}`);
    }
  }
});

test('the fixed-length cache samples exactly what the growing cache samples, with one graph per pass shape', async () => {
  // shapes: DetailFlow's class pass, strict pass, first parallel pass (a token and placeholders),
  // later parallel pass, and that one again without a cache output (the last); g = 1: three
  const cases = [
    { o: layouts[0], graphs: 5 }, { o: layouts[2], graphs: 5 },
    // N = 16 = C + g: the first parallel pass is the last
    { o: layouts[1], graphs: 4 },
    { o: { group: 1, causal: 1 }, graphs: 3 },
    // the scales layout: one pass per scale, and the two 1-token scales after the first share a shape
    { o: { spans: [1, 1, 1, 4, 9], inputs: 'scales' as const }, graphs: 4 },
  ];
  for (const { o, graphs } of cases) {
    const { s, fixed, params } = fixture(o);
    for (const seed of [1, 2, 3]) {
      const opts = { cfg: 1.45, temperature: 1, topP: 0.95 };
      const one = 'group' in o && o.group === 1;
      const a = await (one ? s.tokenByToken : s.grouped)(params, [seed, 4], keyFromSeed(seed), opts);
      const b = await (one ? fixed.tokenByToken : fixed.grouped)(params, [seed, 4], keyFromSeed(seed), opts);
      assert.ok(same(a.tokens, b.tokens), `layout ${JSON.stringify(o)} seed ${seed}`);
      assert.deepEqual(b.log, a.log);
    }
    assert.equal(fixed.planCount, graphs, `layout ${JSON.stringify(o)}: compiled graphs`);
  }
});

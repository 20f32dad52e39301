import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { checkPrefix, noiseSpanDistribution, sampleNoiseSpan, vqMixWeights } from '../../src/detailflow/noise-span.ts';
import { prefixDistribution } from '../../src/detailflow/prefix-schedule.ts';
import { foldIn, keyFromSeed } from '../../src/random/key.ts';
import { indexArb, pick, prefixCfgArb } from './arbitraries.ts';

/** A config and a prefix t from its training support (the prefixes the noise sampler is called with). */
const caseArb = fc
  .tuple(prefixCfgArb.map((c) => ({ ...c, degradeProb: 0.5 })), indexArb)
  .map(([c, k]) => {
    const support = prefixDistribution(c).map((w) => w.t);
    return { c, t: support[pick(k, support.length) - 1] };
  });

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12;

test('noise spans obey their bounds: one token below C, else an aligned group; end <= t (t <= C) or t - g (t > C)', () => {
  fc.assert(fc.property(caseArb, ({ c, t }) => {
    const spans = noiseSpanDistribution(t, c);
    if (t === 1) { assert.equal(spans.length, 0); return; }
    assert.ok(close(spans.reduce((s, w) => s + w.p, 0), 1), 'probabilities sum to 1');
    for (const { start: s, end: e, p } of spans) {
      assert.ok(p > 0 && s >= 0);
      if (s < c.causal) assert.equal(e, s + 1);
      else { assert.equal(s % c.group, 0); assert.equal(e, s + c.group); }
      assert.ok(t <= c.causal ? e <= t : e <= t - c.group, `[${s}, ${e}) for t = ${t}`);
    }
  }), { numRuns: 300 });
});

test('the closed form equals enumerating the reference draw', () => {
  fc.assert(fc.property(caseArb, ({ c, t }) => {
    const want = new Map<string, number>();
    const add = (s: number, e: number, p: number) => want.set(`${s},${e}`, (want.get(`${s},${e}`) ?? 0) + p);
    if (t > 1 && t <= c.causal) for (let s = 0; s < t; s++) add(s, s + 1, 1 / t);
    if (t > c.causal) {
      for (let s0 = 0; s0 < t - c.group; s0++) {
        if (s0 < c.causal) add(s0, s0 + 1, 1 / (t - c.group));
        else { const s = c.group * Math.floor(s0 / c.group); add(s, s + c.group, 1 / (t - c.group)); }
      }
    }
    const got = noiseSpanDistribution(t, c);
    assert.equal(got.length, want.size);
    for (const w of got) assert.ok(close(w.p, want.get(`${w.start},${w.end}`) ?? NaN), `[${w.start}, ${w.end})`);
  }), { numRuns: 300 });
});

test('sampleNoiseSpan draws from the distribution, none for t = 1, pure in the key', () => {
  fc.assert(fc.property(caseArb, fc.nat(), ({ c, t }, seed) => {
    const s = sampleNoiseSpan(keyFromSeed(seed), t, c);
    if (t === 1) { assert.ok(O.isNone(s)); return; }
    assert.ok(O.isSome(s));
    assert.ok(noiseSpanDistribution(t, c).some((w) => w.start === s.value.start && w.end === s.value.end));
    assert.deepEqual(sampleNoiseSpan(keyFromSeed(seed), t, c), s);
  }), { numRuns: 300 });
});

// One draw per case seldom lands on a rare span (the last group, an unaligned start): count
// many draws of fixed cases against the closed form instead. Keys are children, as planStep's
// are: a key straight from keyFromSeed gives nearly the same first draw for every seed.
test('sampleNoiseSpan frequencies match the closed form: every span within 5 sigma, none outside it', () => {
  const cases = [
    { c: { tokens: 32, group: 4, causal: 8 }, t: 5 },
    { c: { tokens: 32, group: 4, causal: 8 }, t: 16 },
    { c: { tokens: 32, group: 4, causal: 4 }, t: 32 },
    { c: { tokens: 128, group: 8, causal: 8 }, t: 128 },
  ];
  const n = 4000;
  for (const { c, t } of cases) {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < n; seed++) {
      const s = sampleNoiseSpan(foldIn(keyFromSeed(seed), 1), t, c);
      assert.ok(O.isSome(s));
      const k = `${s.value.start},${s.value.end}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const support = new Map(noiseSpanDistribution(t, c).map((w) => [`${w.start},${w.end}`, w.p]));
    for (const k of counts.keys()) assert.ok(support.has(k), `t = ${t}: drew [${k}), which the closed form never gives`);
    for (const [k, p] of support) {
      const got = counts.get(k) ?? 0;
      assert.ok(Math.abs(got - n * p) <= 5 * Math.sqrt(n * p * (1 - p)) + 1, `t = ${t}, span [${k}): ${got} of ${n} draws, expected ${(n * p).toFixed(0)}`);
    }
  }
});

test('golden: t = N = 128 (g = C = 8): first-group tokens 1/120 each, groups 8..112 8/120 each, last group never', () => {
  const d = noiseSpanDistribution(128, { tokens: 128, group: 8, causal: 8 });
  assert.equal(d.length, 8 + 14);
  d.slice(0, 8).forEach((w, i) => { assert.deepEqual([w.start, w.end], [i, i + 1]); assert.ok(close(w.p, 1 / 120)); });
  d.slice(8).forEach((w, i) => { assert.deepEqual([w.start, w.end], [8 + 8 * i, 16 + 8 * i]); assert.ok(close(w.p, 8 / 120)); });
  assert.ok(d.every((w) => w.start < 120));
});

test('checkPrefix rejects t outside 1..N and t > C that is not a multiple of g past C + g', () => {
  fc.assert(fc.property(prefixCfgArb.filter((c) => c.group > 1), fc.integer({ min: -3, max: 700 }), (c, t) => {
    const ok = Number.isInteger(t) && t >= 1 && t <= c.tokens && (t <= c.causal || t % c.group === 0);
    assert.equal(E.isRight(checkPrefix(t, c)), ok, `t = ${t}`);
  }), { numRuns: 300 });
});

test('VQ mixing weights N/(2N-e) and (N-e)/(2N-e) lie in [0, 1] and sum to 1', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 4096 }), fc.double({ min: 0, max: 1, noNaN: true }), (N, u) => {
    const e = Math.floor(u * N);
    const [a, b] = vqMixWeights(N, e);
    assert.ok(a >= 0 && a <= 1 && b >= 0 && b <= 1);
    assert.ok(Math.abs(a + b - 1) < 1e-12);
  }), { numRuns: 200 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { prefixDistribution, prefixProbabilities, roundPrefix, samplePrefix } from '../../src/detailflow/prefix-schedule.ts';
import * as api from '../../src/detailflow/api.ts';
import { foldIn, keyFromSeed } from '../../src/random/key.ts';
import { prefixCfgArb } from './arbitraries.ts';

const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol;

test('prefix distribution: probabilities are positive and sum to 1; P(t = N) = 1 - p_deg', () => {
  fc.assert(fc.property(prefixCfgArb, (c) => {
    const d = prefixDistribution(c);
    assert.ok(d.every((w) => w.p > 0));
    assert.ok(close(d.reduce((s, w) => s + w.p, 0), 1), 'sum');
    assert.ok(d.every((w, i) => i === 0 || w.t > d[i - 1].t), 'ascending, no repeats');
    const pN = d.find((w) => w.t === c.tokens)?.p ?? 0;
    assert.ok(close(pN, 1 - c.degradeProb), 't = N only from the clean branch');
  }), { numRuns: 300 });
});

test('prefix distribution matches the closed form and enumeration of t0 over 1..N-g', () => {
  fc.assert(fc.property(prefixCfgArb, (c) => {
    const { tokens: N, group: g, causal: C, degradeProb: p } = c;
    const probs = prefixProbabilities(c);
    // Enumerate the reference's draw: t0 uniform on 1..N-g, rounded up to a multiple of g when > C.
    const want = new Array<number>(N).fill(0);
    for (let t0 = 1; t0 <= N - g; t0++) want[roundPrefix(t0, c) - 1] += p / (N - g);
    want[N - 1] += 1 - p;
    probs.forEach((q, i) => assert.ok(close(q, want[i]), `P(t = ${i + 1}) = ${q}, enumeration ${want[i]}`));
    // Closed form: p/(N-g) for j <= C; p*g/(N-g) for multiples of g in (C, N-g]; nothing in (C, C+g).
    for (let j = 1; j < N; j++) {
      const closed = j <= Math.min(C, N - g) ? p / (N - g) : j > C && j % g === 0 && j <= N - g ? (p * g) / (N - g) : 0;
      assert.ok(close(probs[j - 1], closed), `closed form at ${j}`);
    }
  }), { numRuns: 200 });
});

test('samplePrefix only returns values of positive probability; the clean branch gives N', () => {
  fc.assert(fc.property(prefixCfgArb, fc.nat(), (c, seed) => {
    const probs = prefixProbabilities(c);
    const t = samplePrefix(keyFromSeed(seed), c);
    assert.ok(Number.isInteger(t) && t >= 1 && t <= c.tokens);
    assert.ok(probs[t - 1] > 0, `t = ${t} has probability 0`);
    if (c.degradeProb === 0) assert.equal(t, c.tokens);
    if (c.degradeProb === 1) assert.ok(t < c.tokens);
    assert.equal(samplePrefix(keyFromSeed(seed), c), t, 'a pure function of the key');
  }), { numRuns: 300 });
});

test('samplePrefix frequencies match the distribution (N = 128, g = 8, p = 0.2; 24000 draws)', () => {
  const c = { tokens: 128, group: 8, causal: 8, degradeProb: 0.2 };
  const draws = 24000;
  const counts = new Map<number, number>();
  const root = keyFromSeed(1234);
  for (let i = 0; i < draws; i++) {
    const t = samplePrefix(foldIn(root, i), c);
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  for (const { t, p } of prefixDistribution(c)) {
    const sd = Math.sqrt(draws * p * (1 - p));
    const got = counts.get(t) ?? 0;
    assert.ok(Math.abs(got - draws * p) < 5 * sd + 1, `t = ${t}: ${got} draws, expected ${draws * p}`);
  }
  assert.equal([...counts.keys()].filter((t) => !prefixDistribution(c).some((w) => w.t === t)).length, 0);
});

test('golden: the reference table for N = 128, g = 8, p_deg = 0.2', () => {
  const d = api.prefixDistribution({ tokens: 128, group: 8 });
  const want = [
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((t) => ({ t, p: 0.2 / 120 })),
    ...Array.from({ length: 14 }, (_, i) => ({ t: 16 + 8 * i, p: (0.2 * 8) / 120 })),
    { t: 128, p: 0.8 },
  ];
  assert.equal(d.length, want.length);
  d.forEach((w, i) => { assert.equal(w.t, want[i].t); assert.ok(close(w.p, want[i].p)); });
});

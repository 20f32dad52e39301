import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bestTokenPerDecoderSize, decoderSizes, mappedTokens, snapToPatch } from '../../src/detailflow/decoder-size.ts';
import { fromCurve, powerCurve } from '../../src/detailflow/resolution.ts';
import { decoderSize } from '../../src/detailflow/api.ts';
import { alphaArb, indexArb, pick } from './arbitraries.ts';

const cfgArb = fc
  .record({ patch: fc.integer({ min: 1, max: 32 }), cells: fc.integer({ min: 1, max: 32 }), tokens: fc.integer({ min: 2, max: 400 }), alpha: alphaArb })
  .map(({ patch, cells, tokens, alpha }) => ({ size: patch * cells, tokens, alpha, patch }));

test('dec(n): a multiple of P, at least R(n), less than P above it, at least P, monotone, dec(N) = H', () => {
  fc.assert(fc.property(cfgArb, (cfg) => {
    const m = powerCurve(cfg);
    const dec = decoderSizes(m, cfg.patch);
    dec.forEach((d, i) => {
      const r = m.values[i];
      assert.equal(d % cfg.patch, 0);
      assert.ok(d >= r && d >= cfg.patch);
      if (r >= cfg.patch) assert.ok(d - r < cfg.patch, `dec - R = ${d - r} at n = ${i + 1}`);
      else assert.equal(d, cfg.patch);
      if (i > 0) assert.ok(d >= dec[i - 1], `dec not monotone at n = ${i + 1}`);
    });
    assert.equal(dec[cfg.tokens - 1], cfg.size);
  }), { numRuns: 200 });
});

test('dec over a user-defined map keeps the same laws', () => {
  fc.assert(fc.property(cfgArb, (cfg) => {
    const m = fromCurve('sqrt', cfg.size, cfg.tokens, (n) => cfg.size - (cfg.size - 1) * (1 - Math.sqrt((n - 1) / (cfg.tokens - 1))));
    const dec = decoderSizes(m, cfg.patch);
    dec.forEach((d, i) => {
      assert.equal(d, snapToPatch(m.values[i], cfg.patch));
      assert.ok(d % cfg.patch === 0 && d >= m.values[i] && (i === 0 || d >= dec[i - 1]));
    });
    assert.equal(dec[cfg.tokens - 1], cfg.size);
  }), { numRuns: 100 });
});

test('the plain API agrees with the table', () => {
  fc.assert(fc.property(cfgArb, indexArb, (cfg, k) => {
    const n = pick(k, cfg.tokens);
    assert.equal(decoderSize(n, cfg), decoderSizes(powerCurve(cfg), cfg.patch)[n - 1]);
  }), { numRuns: 100 });
});

// Reference section 2.3 (H = 256, N = 128, alpha = 1.5, P = 16).
const GOLDEN_DEC_128: [number, number][] = [
  [1, 16], [2, 16], [3, 16], [4, 16], [5, 16], [6, 16], [7, 32], [8, 32], [16, 48], [24, 80], [32, 96], [40, 112], [48, 128],
  [56, 160], [64, 176], [72, 192], [80, 208], [88, 224], [96, 224], [104, 240], [112, 256], [120, 256], [128, 256],
];
const GOLDEN_DEC_256: [number, number][] = [
  [1, 16], [8, 16], [16, 32], [24, 48], [32, 48], [40, 64], [48, 80], [56, 80], [64, 96], [72, 112], [80, 112], [88, 128],
  [96, 144], [104, 144], [112, 160], [120, 160], [128, 176], [136, 176], [144, 192], [152, 192], [160, 208], [168, 208],
  [176, 224], [184, 224], [192, 224], [200, 240], [208, 240], [216, 240], [224, 256], [232, 256], [240, 256], [248, 256], [256, 256],
];
const GOLDEN_DEC_512: [number, number][] = [
  [1, 16], [8, 16], [16, 16], [24, 32], [64, 48], [128, 96], [184, 128], [256, 176], [384, 224], [432, 240], [504, 256], [512, 256],
];

test('golden dec(n) for H = 256, P = 16, alpha = 1.5 at N = 128, 256, 512', () => {
  for (const [N, golden] of [[128, GOLDEN_DEC_128], [256, GOLDEN_DEC_256], [512, GOLDEN_DEC_512]] as const) {
    const dec = decoderSizes(powerCurve({ size: 256, tokens: N, alpha: 1.5 }), 16);
    for (const [n, d] of golden) assert.equal(dec[n - 1], d, `N = ${N}, dec(${n})`);
  }
});

test('golden decres2besttoken at N = 128, and its entry at 256 is N for N = 128, 256, 512', () => {
  const m = powerCurve({ size: 256, tokens: 128, alpha: 1.5 });
  const best = bestTokenPerDecoderSize(m, 16, mappedTokens(128, 8, 8));
  assert.deepEqual([...best], [
    [16, 6], [32, 8], [48, 16], [80, 24], [96, 32], [112, 40], [128, 48], [160, 56], [176, 64], [192, 72], [208, 80], [224, 96], [240, 104], [256, 128],
  ]);
  for (const N of [128, 256, 512]) {
    const b = bestTokenPerDecoderSize(powerCurve({ size: 256, tokens: N, alpha: 1.5 }), 16, mappedTokens(N, 8, 8));
    assert.equal(b.get(256), N);
  }
});

test('mappedTokens is {1..C} and then the multiples of g from 2g to N', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (g, k, m) => {
    const N = g * k;
    const C = g * Math.min(m, k);
    const list = mappedTokens(N, g, C);
    const want = [...new Set([...Array.from({ length: C }, (_, i) => i + 1), ...Array.from({ length: k }, (_, i) => (i + 1) * g).filter((x) => x >= 2 * g)])].sort((a, b) => a - b);
    assert.deepEqual(list, want);
  }), { numRuns: 100 });
});

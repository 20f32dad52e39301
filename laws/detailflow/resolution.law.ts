import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  fromCurve, fromTable, powerContinuous, powerCurve, validateResolutionMap, type ResolutionMap,
} from '../../src/detailflow/resolution.ts';
import { resolution } from '../../src/detailflow/api.ts';
import { alphaArb, resolutionCfgArb } from './arbitraries.ts';

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** The laws every resolution map must obey; applied below to power curves and to user maps. */
const mapLaws = (m: ResolutionMap): void => {
  assert.ok(E.isRight(validateResolutionMap(m)), `${m.name} failed validation`);
  assert.equal(m.values.length, m.tokens);
  m.values.forEach((r, i) => {
    assert.ok(Number.isInteger(r) && r >= 1 && r <= m.size, `R(${i + 1}) = ${r} outside [1, ${m.size}]`);
    if (i > 0) assert.ok(r >= m.values[i - 1], `not monotone at n = ${i + 1}`);
  });
  assert.equal(m.values[m.tokens - 1], m.size, 'R(N) = H');
  if (m.continuous) {
    const c = m.continuous;
    m.values.forEach((r, i) => {
      const v = c(i + 1);
      if (v >= 1 && v <= m.size) {
        assert.equal(r, Math.floor(v), `R(${i + 1}) is not the floor of the curve value ${v}`);
        assert.ok(Math.abs(r - v) < 1);
      }
    });
  }
};

test('power curve: range, endpoints R(1) = 1 and R(N) = H, monotone, within 1 of the curve', () => {
  fc.assert(fc.property(resolutionCfgArb, (cfg) => {
    const m = powerCurve(cfg);
    mapLaws(m);
    assert.equal(m.values[0], 1, 'R(1) = 1 (via the clamp when the curve gives 0.999...)');
  }), { numRuns: 200 });
});

test('power curve: continuous increments are non-increasing (concave), so truncated ones grow by at most 1', () => {
  fc.assert(fc.property(resolutionCfgArb, (cfg) => {
    const c = powerContinuous(cfg.size, cfg.tokens, cfg.alpha);
    const m = powerCurve(cfg);
    for (let n = 1; n + 2 <= cfg.tokens; n++) {
      const d1 = c(n + 1) - c(n);
      const d2 = c(n + 2) - c(n + 1);
      assert.ok(d2 <= d1 + 1e-9 * cfg.size, `increments grow at n = ${n}: ${d1} then ${d2}`);
      // In exact arithmetic this follows from concavity. Where the curve sits on an integer, float
      // error can truncate it one lower (as Python's int() would, e.g. 28.99999999999989 at
      // H = 1023, N = 147, alpha = 1), so such points are left out.
      const onInteger = [n, n + 1, n + 2].some((k) => Math.abs(c(k) - Math.round(c(k))) < 1e-9 * cfg.size);
      if (!onInteger) assert.ok(m.values[n + 1] - m.values[n] <= m.values[n] - m.values[n - 1] + 1, `truncated increments at n = ${n}`);
    }
  }), { numRuns: 150 });
});

test('power curve: alpha = 1 is exactly linear', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 1024 }), fc.integer({ min: 2, max: 600 }), (size, tokens) => {
    const c = powerContinuous(size, tokens, 1);
    for (const n of range(1, tokens)) {
      const lin = 1 + ((size - 1) * (n - 1)) / (tokens - 1);
      assert.ok(Math.abs(c(n) - lin) <= 1e-9 * size, `n = ${n}: ${c(n)} vs ${lin}`);
    }
  }), { numRuns: 100 });
});

test('power curve: for 1 < n < N a larger alpha gives strictly more resolution; endpoints do not move', () => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 1024 }), fc.integer({ min: 3, max: 400 }), alphaArb, fc.double({ min: 0.01, max: 2, noNaN: true }),
    (size, tokens, a, da) => {
      const lo = powerContinuous(size, tokens, a);
      const hi = powerContinuous(size, tokens, a + da);
      const mLo = powerCurve({ size, tokens, alpha: a });
      const mHi = powerCurve({ size, tokens, alpha: a + da });
      for (let n = 2; n < tokens; n++) {
        assert.ok(hi(n) > lo(n), `n = ${n}: ${hi(n)} <= ${lo(n)}`);
        assert.ok(mHi.values[n - 1] >= mLo.values[n - 1]);
      }
      assert.ok(Math.abs(hi(1) - lo(1)) < 1e-9 * size && hi(tokens) === lo(tokens));
      assert.equal(mHi.values[0], mLo.values[0]);
      assert.equal(mHi.values[tokens - 1], mLo.values[tokens - 1]);
    }), { numRuns: 150 });
});

test('user-defined maps obey the same laws when built from a monotone curve ending at H', () => {
  // Written as H - deficit(n) with deficit(N) = 0 exactly, as the power curve is: a curve that
  // only approaches H (1 + (H-1)*log(n)/log(N) can give H - 1e-14) truncates to H - 1 at N,
  // which validateResolutionMap reports.
  const curves: [string, (H: number, N: number) => (n: number) => number][] = [
    ['log', (H, N) => (n) => H - ((H - 1) * (Math.log(N) - Math.log(n))) / Math.log(N)],
    ['smoothstep', (H, N) => (n) => { const x = (n - 1) / (N - 1); return H - (H - 1) * (1 - x * x * (3 - 2 * x)); }],
    ['sqrt', (H, N) => (n) => H - (H - 1) * (1 - Math.sqrt((n - 1) / (N - 1)))],
  ];
  fc.assert(fc.property(fc.integer({ min: 1, max: 1024 }), fc.integer({ min: 2, max: 300 }), fc.constantFrom(...curves), (H, N, [name, f]) => {
    mapLaws(fromCurve(name, H, N, f(H, N)));
  }), { numRuns: 100 });
  fc.assert(fc.property(fc.integer({ min: 1, max: 512 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 100 }), (H, us) => {
    const table = [...us.map((u) => 1 + Math.floor(u * (H - 1))).sort((a, b) => a - b).slice(0, -1), H];
    mapLaws(fromTable('sorted table', H, table));
  }), { numRuns: 100 });
});

test('validateResolutionMap reports every broken law of a bad map', () => {
  fc.assert(fc.property(resolutionCfgArb.filter((c) => c.size >= 3 && c.tokens >= 3), fc.nat(), (cfg, k) => {
    const v = [...powerCurve(cfg).values];
    const i = 1 + (k % (cfg.tokens - 2)); // an inner position
    const broken = [...v];
    broken[i] = v[i - 1] - 1 >= 1 ? v[i - 1] - 1 : 0; // below its predecessor (or out of range)
    broken[cfg.tokens - 1] = cfg.size - 1; // R(N) != H
    const r = validateResolutionMap(fromTable('broken', cfg.size, broken));
    assert.ok(E.isLeft(r));
    const text = r.left.problems.join('\n');
    assert.match(text, /R\(N\) must equal/);
    assert.match(text, broken[i] === 0 ? /integers in \[1,/ : /non-decreasing/);
  }), { numRuns: 100 });
});

// Golden values: reference section 2.3 and 10 (H = 256, alpha = 1.5; computed there in Python).
const GOLDEN_128: [number, number][] = [
  [1, 1], [2, 4], [3, 6], [4, 9], [5, 12], [6, 15], [7, 18], [8, 21], [16, 44], [24, 67], [32, 88], [40, 108], [48, 128],
  [56, 147], [64, 164], [72, 181], [80, 196], [88, 210], [96, 223], [104, 235], [112, 244], [120, 251], [128, 256],
];
const GOLDEN_256: [number, number][] = [
  [1, 1], [2, 2], [3, 3], [4, 5], [5, 6], [6, 8], [7, 9], [8, 11], [16, 23], [24, 34], [32, 46], [40, 57], [48, 68], [56, 78],
  [64, 89], [72, 99], [80, 109], [88, 119], [96, 129], [104, 138], [112, 147], [120, 156], [128, 165], [136, 173], [144, 181],
  [152, 189], [160, 197], [168, 204], [176, 211], [184, 217], [192, 223], [200, 229], [208, 235], [216, 240], [224, 244],
  [232, 248], [240, 251], [248, 254], [256, 256],
];
const GOLDEN_512: [number, number][] = [
  [1, 1], [8, 6], [16, 12], [24, 18], [64, 46], [128, 89], [184, 124], [256, 165], [384, 224], [432, 240], [504, 255], [512, 256],
];

test('golden R(n) for H = 256, alpha = 1.5 at N = 128, 256, 512', () => {
  for (const [N, golden] of [[128, GOLDEN_128], [256, GOLDEN_256], [512, GOLDEN_512]] as const) {
    const m = powerCurve({ size: 256, tokens: N, alpha: 1.5 });
    for (const [n, r] of golden) {
      assert.equal(m.values[n - 1], r, `N = ${N}, R(${n})`);
      assert.equal(resolution(n, { size: 256, tokens: N, alpha: 1.5 }), r);
    }
  }
  // t = 3 at N = 128: continuous 6.99984 truncates to 6, not 7.
  assert.ok(Math.abs(powerContinuous(256, 128, 1.5)(3) - 6.99984) < 1e-5);
});

test('cross-language margin: the curve stays clear of integers as the reference states', () => {
  // Smallest distance to an integer over 1 < n < N: ~1.6e-4 (N=128, n=3), 5.9e-3 (N=256), 4.4e-4 (N=512, n=284).
  for (const [N, margin, at] of [[128, 1.6e-4, 3], [256, 5.9e-3, undefined], [512, 4.4e-4, 284]] as const) {
    const c = powerContinuous(256, N, 1.5);
    let best = Infinity;
    let where = 0;
    for (let n = 2; n < N; n++) {
      const d = Math.abs(c(n) - Math.round(c(n)));
      if (d < best) { best = d; where = n; }
    }
    assert.ok(Math.abs(best - margin) / margin < 0.05, `N = ${N}: margin ${best} vs stated ${margin}`);
    if (at !== undefined) assert.equal(where, at);
    assert.ok(best > 1e-6, 'float64 error is far below the margin, so int() is reproduced exactly');
  }
  // N = 256, n = 1: the float curve gives 0.99999..., and the clamp restores R(1) = 1.
  assert.ok(powerContinuous(256, 256, 1.5)(1) < 1);
  assert.equal(powerCurve({ size: 256, tokens: 256, alpha: 1.5 }).values[0], 1);
});

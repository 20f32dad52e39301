import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  area, areaBin, bicubic, byDirection, cubic, cubicSource, resampling, resamplingMatrix, torchResize, weightsOf, type Resampling,
} from '../../src/detailflow/resampling.ts';

const sizesArb = fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }));
const rules: [string, Resampling][] = [['area', area], ['bicubic', bicubic], ['cubic(-0.5)', cubic(-0.5)], ['torchResize', torchResize]];

test('every row of a resampling matrix sums to 1 (so constants are preserved)', () => {
  fc.assert(fc.property(sizesArb, fc.constantFrom(...rules), ([n, m], [name, r]) => {
    const w = weightsOf(r, n, m);
    for (let o = 0; o < m; o++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += w[o * n + i];
      // Cubic weights are evaluated in float32 as PyTorch does: their sums are 1 to ~1e-6.
      assert.ok(Math.abs(s - 1) < 1e-5, `${name} ${n} -> ${m}, row ${o}: ${s}`);
    }
  }), { numRuns: 300 });
});

test('resampling commutes with mirroring (align_corners = False is centred; area bins are symmetric)', () => {
  fc.assert(fc.property(sizesArb, fc.constantFrom(...rules), ([n, m], [name, r]) => {
    const w = weightsOf(r, n, m);
    for (let o = 0; o < m; o++) for (let i = 0; i < n; i++) {
      const a = w[o * n + i];
      const b = w[(m - 1 - o) * n + (n - 1 - i)];
      assert.ok(Math.abs(a - b) < 1e-5, `${name} ${n} -> ${m}: w[${o}, ${i}] = ${a} vs mirrored ${b}`);
    }
  }), { numRuns: 300 });
});

test('area bins: non-empty, covering 0..in-1 in order, disjoint equal blocks exactly when out divides in', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), (n, m) => {
    const bins = Array.from({ length: m }, (_, o) => areaBin(o, n, m));
    assert.equal(bins[0][0], 0);
    assert.equal(bins[m - 1][1], n);
    bins.forEach(([s, e], o) => {
      assert.ok(e > s, `bin ${o} is empty`);
      if (o > 0) assert.ok(s >= bins[o - 1][0] && s <= bins[o - 1][1], `bins ${o - 1}, ${o} leave a gap`);
    });
    const disjoint = bins.every(([s], o) => o === 0 || s === bins[o - 1][1]);
    if (n % m === 0) assert.ok(disjoint && bins.every(([s, e]) => e - s === n / m));
    if (n >= m && n % m !== 0) assert.ok(!disjoint, 'bins overlap when out does not divide in');
  }), { numRuns: 300 });
});

test('the resize rule: identity at equal sizes, area when shrinking, bicubic when growing', () => {
  fc.assert(fc.property(sizesArb, ([n, m]) => {
    const w = weightsOf(torchResize, n, m);
    const want = n === m ? null : n > m ? weightsOf(area, n, m) : weightsOf(bicubic, n, m);
    if (want === null) for (let o = 0; o < m; o++) for (let i = 0; i < n; i++) assert.equal(w[o * n + i], o === i ? 1 : 0);
    else assert.deepEqual(w, want);
  }), { numRuns: 200 });
});

test('bicubic weights vanish beyond the 4 taps and are border-clamped: only columns floor(src)-1..floor(src)+2, clamped, are used', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 2, max: 80 }), (n, m) => {
    const w = weightsOf(bicubic, n, m);
    for (let o = 0; o < m; o++) {
      const { idx } = cubicSource(o, n, m);
      const src = (n / m) * (o + 0.5) - 0.5;
      assert.ok(Math.abs(idx - Math.floor(src)) <= 1 && (idx === Math.floor(src) || Math.abs(src - Math.round(src)) < 1e-5), `o = ${o}: idx ${idx}, src ${src}`);
      const taps = new Set([-1, 0, 1, 2].map((d) => Math.min(Math.max(idx + d, 0), n - 1)));
      for (let i = 0; i < n; i++) if (!taps.has(i)) assert.equal(w[o * n + i], 0, `row ${o} uses column ${i}`);
    }
  }), { numRuns: 200 });
});

test('matrices are built once per size pair; float32 copies (and transposes) agree with them', () => {
  fc.assert(fc.property(sizesArb, fc.constantFrom(...rules), ([n, m], [, r]) => {
    assert.equal(weightsOf(r, n, m), weightsOf(r, n, m), 'cached');
    const w = weightsOf(r, n, m);
    const f = resamplingMatrix(r, n, m);
    const ft = resamplingMatrix(r, n, m, true);
    for (let o = 0; o < m; o++) for (let i = 0; i < n; i++) {
      assert.equal(f[o * n + i], Math.fround(w[o * n + i]));
      assert.equal(ft[i * m + o], f[o * n + i]);
    }
  }), { numRuns: 100 });
});

test('user resamplings are checked: bad sizes and wrong-length or non-finite weights throw', () => {
  const short = resampling('short', (n, m) => new Float64Array(n * m - 1));
  const nan = resampling('nan', (n, m) => new Float64Array(n * m).fill(NaN));
  fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom(0, -1, 2.5, NaN), (n, m, bad) => {
    assert.throws(() => short.build(n, m), /entries/);
    assert.throws(() => nan.build(n, m), /finite/);
    assert.throws(() => byDirection(area, bicubic).build(bad, m), /positive integer/);
    assert.throws(() => area.build(n, bad), /positive integer/);
  }), { numRuns: 30 });
});

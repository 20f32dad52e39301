import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gaussianOf, statsOf, type Gaussian } from '../../src/eval/feature-stats.ts';
import { frechetDistance } from '../../src/eval/frechet.ts';
import { rowsArb, setShapeArb, spdArb } from './arbitraries.ts';

const twoSetsArb = setShapeArb.chain(({ dim, rows }) =>
  fc.tuple(fc.constant(dim), rowsArb(rows, dim), fc.integer({ min: 2, max: 24 }).chain((r2) => rowsArb(r2, dim))));

const fdOf = (a: Float64Array, b: Float64Array, dim: number): number => frechetDistance(gaussianOf(statsOf(a, dim)), gaussianOf(statsOf(b, dim)));

test('FD of a set with itself is 0 (rank-deficient covariances included)', () => {
  fc.assert(fc.property(twoSetsArb, ([dim, a]) => {
    const g = gaussianOf(statsOf(a, dim));
    const scale = g.cov.reduce((s, v, i) => (i % (dim + 1) === 0 ? s + v : s), 0);
    // a zero eigenvalue of S comes back as ~eps |S|, so sqrt of S^2's is ~sqrt(eps) |S| each: 1e-8 relative
    assert.ok(frechetDistance(g, g) <= 1e-7 * dim * (1 + scale), `FD(X, X) = ${frechetDistance(g, g)} with tr S = ${scale}`);
  }));
});

test('FD is symmetric and non-negative', () => {
  fc.assert(fc.property(twoSetsArb, ([dim, a, b]) => {
    const [ab, ba] = [fdOf(a, b, dim), fdOf(b, a, dim)];
    assert.ok(ab >= 0);
    assert.ok(Math.abs(ab - ba) <= 1e-8 * (1 + ab), `${ab} vs ${ba}`);
  }));
});

test('FD between a set and its translate by c is |c|^2 (same covariance)', () => {
  fc.assert(fc.property(twoSetsArb, fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 8, maxLength: 8 }), ([dim, a], c) => {
    const shifted = a.map((v, i) => v + c[i % dim]!);
    const want = c.slice(0, dim).reduce((s, v) => s + v * v, 0);
    const tr = gaussianOf(statsOf(a, dim)).cov.reduce((s, v, i) => (i % (dim + 1) === 0 ? s + v : s), 0);
    assert.ok(Math.abs(fdOf(a, shifted, dim) - want) <= 1e-7 * dim * (1 + want + tr), `${fdOf(a, shifted, dim)} vs ${want}`);
  }));
});

const diagonal = (mean: number[], variances: number[]): Gaussian => {
  const n = mean.length;
  const cov = new Float64Array(n * n);
  variances.forEach((v, i) => { cov[i * n + i] = v; });
  return { dim: n, mean: Float64Array.from(mean), cov };
};

test('FD between Gaussians with diagonal covariances matches the closed form', () => {
  const v = fc.double({ min: 0, max: 50, noNaN: true });
  const m = fc.double({ min: -10, max: 10, noNaN: true });
  const arb = fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(...[m, m, v, v].map((x) => fc.array(x, { minLength: n, maxLength: n }))));
  fc.assert(fc.property(arb, ([m1, m2, s1, s2]) => {
    const want = m1.reduce((s, x, i) => s + (x - m2[i]!) ** 2 + s1[i]! + s2[i]! - 2 * Math.sqrt(s1[i]! * s2[i]!), 0);
    const got = frechetDistance(diagonal(m1, s1), diagonal(m2, s2));
    assert.ok(Math.abs(got - want) <= 1e-9 * (1 + want), `${got} vs ${want}`);
  }));
});

test('FD is unchanged when both Gaussians are rotated by the same orthogonal matrix', () => {
  const arb = fc.integer({ min: 2, max: 6 }).chain((n) => fc.tuple(fc.constant(n), spdArb(n), spdArb(n), fc.double({ min: 0, max: 6.28, noNaN: true })));
  fc.assert(fc.property(arb, ([n, s1, s2, angle]) => {
    // a Givens rotation in the (0, 1) plane
    const q = new Float64Array(n * n);
    for (let i = 0; i < n; i++) q[i * n + i] = 1;
    [q[0], q[1], q[n], q[n + 1]] = [Math.cos(angle), -Math.sin(angle), Math.sin(angle), Math.cos(angle)];
    const rot = (s: Float64Array) => {
      const out = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) out[i * n + j] += q[i * n + k]! * s[k * n + l]! * q[j * n + l]!;
      return out;
    };
    const mean = Float64Array.from({ length: n }, (_, i) => i);
    const a = frechetDistance({ dim: n, mean, cov: s1 }, { dim: n, mean: new Float64Array(n), cov: s2 });
    const rm = Float64Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, k) => q[i * n + k]! * mean[k]!).reduce((s, x) => s + x, 0));
    const b = frechetDistance({ dim: n, mean: rm, cov: rot(s1) }, { dim: n, mean: new Float64Array(n), cov: rot(s2) });
    assert.ok(Math.abs(a - b) <= 1e-8 * (1 + a), `${a} vs ${b}`);
  }));
});

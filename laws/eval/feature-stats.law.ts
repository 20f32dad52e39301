import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addRows, emptyStats, gaussianOf, mergeStats, statsOf } from '../../src/eval/feature-stats.ts';
import { rowsArb, setShapeArb } from './arbitraries.ts';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

const setWithCutsArb = setShapeArb.chain(({ dim, rows }) =>
  fc.tuple(fc.constant(dim), fc.constant(rows), rowsArb(rows, dim, 100), fc.uniqueArray(fc.integer({ min: 1, max: rows - 1 }), { maxLength: 4 })));

test('streaming moments: adding rows batch by batch gives the moments of the whole set', () => {
  fc.assert(fc.property(setWithCutsArb, ([dim, rows, x, cuts]) => {
    const bounds = [0, ...cuts.sort((a, b) => a - b), rows];
    let s = emptyStats(dim);
    for (let i = 0; i + 1 < bounds.length; i++) s = addRows(s, x.subarray(bounds[i]! * dim, bounds[i + 1]! * dim));
    const whole = statsOf(x, dim);
    assert.equal(s.count, rows);
    close(s.mean, whole.mean, 1e-12, 'mean');
    close(s.comoment, whole.comoment, 1e-10, 'comoment');
  }));
});

test('mean and covariance match their definitions; merging is order-independent', () => {
  fc.assert(fc.property(setWithCutsArb, ([dim, rows, x]) => {
    const g = gaussianOf(statsOf(x, dim));
    for (let i = 0; i < dim; i++) {
      let m = 0;
      for (let r = 0; r < rows; r++) m += x[r * dim + i]!;
      assert.ok(Math.abs(g.mean[i]! - m / rows) <= 1e-12 * (1 + Math.abs(m / rows)));
    }
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) {
      let c = 0;
      for (let r = 0; r < rows; r++) c += (x[r * dim + i]! - g.mean[i]!) * (x[r * dim + j]! - g.mean[j]!);
      assert.ok(Math.abs(g.cov[i * dim + j]! - c / (rows - 1)) <= 1e-10 * (1 + Math.abs(c)), `cov[${i}, ${j}]`);
    }
    const half = Math.floor(rows / 2) * dim;
    const [a, b] = [statsOf(x.subarray(0, half), dim), statsOf(x.subarray(half), dim)];
    const [ab, ba] = [mergeStats(a, b), mergeStats(b, a)];
    close(ab.mean, ba.mean, 1e-12, 'mean');
    close(ab.comoment, ba.comoment, 1e-10, 'comoment');
  }));
});

test('a covariance of fewer than 2 vectors, or rows of the wrong width, is refused with a message', () => {
  assert.throws(() => gaussianOf(statsOf([1, 2], 2)), /at least 2 feature vectors, got 1/);
  assert.throws(() => statsOf([1, 2, 3], 2), /not whole rows of 2/);
  assert.throws(() => mergeStats(emptyStats(2), emptyStats(3)), /dim 2 with dim 3/);
});

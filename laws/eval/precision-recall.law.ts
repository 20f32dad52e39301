import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { knnRadiiSquared, precisionRecall, prRows } from '../../src/eval/precision-recall.ts';
import { rowsArb } from './arbitraries.ts';

const setArb = (minRows: number) => fc.record({ dim: fc.integer({ min: 1, max: 6 }), rows: fc.integer({ min: minRows, max: 30 }) })
  .chain(({ dim, rows }) => fc.tuple(fc.constant(dim), rowsArb(rows, dim), fc.integer({ min: minRows, max: 30 }).chain((r) => rowsArb(r, dim))));

test('precision and recall of a set against itself are 1', () => {
  fc.assert(fc.property(setArb(4), fc.integer({ min: 1, max: 3 }), ([dim, x], k) => {
    const r = precisionRecall(x, x, dim, k);
    assert.deepEqual([r.precision, r.recall], [1, 1]);
  }));
});

test('swapping the sets swaps precision and recall; both lie in [0, 1]', () => {
  fc.assert(fc.property(setArb(4), ([dim, a, b]) => {
    const ab = precisionRecall(a, b, dim);
    const ba = precisionRecall(b, a, dim);
    assert.equal(ab.precision, ba.recall);
    assert.equal(ab.recall, ba.precision);
    for (const v of [ab.precision, ab.recall]) assert.ok(v >= 0 && v <= 1);
  }));
});

test('a set moved far beyond both manifolds has precision and recall 0', () => {
  fc.assert(fc.property(setArb(4), ([dim, a, b]) => {
    const far = b.map((v) => v + 1000);
    const r = precisionRecall(a, far, dim);
    assert.deepEqual([r.precision, r.recall], [0, 0]);
  }));
});

test('the k-NN radius is the k-th smallest distance to the other points (brute force)', () => {
  fc.assert(fc.property(setArb(4), fc.integer({ min: 1, max: 3 }), ([dim, x], k) => {
    const n = x.length / dim;
    const radii = knnRadiiSquared(x, dim, k);
    for (let i = 0; i < n; i++) {
      const d = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i)
        .map((j) => Array.from({ length: dim }, (_, c) => (x[i * dim + c]! - x[j * dim + c]!) ** 2).reduce((s, v) => s + v, 0))
        .sort((p, q) => p - q);
      assert.equal(radii[i], d[k - 1]);
    }
  }));
});

test('a set too small for k neighbours is refused with a message', () => {
  assert.throws(() => precisionRecall([0, 1, 2], [0, 1, 2, 3], 1, 3), /at least k \+ 1 feature vectors per set, got 3/);
});

test('progress counts every row of the three passes once, in order, up to prRows', () => {
  fc.assert(fc.property(fc.integer({ min: 4, max: 12 }), fc.integer({ min: 4, max: 12 }), fc.integer({ min: 1, max: 3 }), (nr, ng, dim) => {
    const a = Float64Array.from({ length: nr * dim }, (_, i) => Math.sin(i));
    const b = Float64Array.from({ length: ng * dim }, (_, i) => Math.cos(i));
    const seen: number[] = [];
    const r = precisionRecall(a, b, dim, 3, (done) => seen.push(done));
    assert.deepEqual(seen, Array.from({ length: prRows(nr, ng) }, (_, i) => i + 1));
    assert.deepEqual(r, precisionRecall(a, b, dim, 3), 'progress changes nothing');
  }));
});

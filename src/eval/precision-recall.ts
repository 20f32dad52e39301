/**
 * Improved precision and recall (Kynkaanniemi et al. 2019): each set's manifold is the union of
 * balls around its points, each reaching the point's k-th nearest neighbour in the same set (the
 * point itself excluded). Precision is the fraction of generated points inside the real
 * manifold, recall the fraction of real points inside the generated one. Euclidean distances
 * between feature rows, in float64 on the host; O(n^2 dim) time, O(n) memory.
 */
export interface PrecisionRecall {
  readonly precision: number;
  readonly recall: number;
  readonly k: number;
  readonly real: number;
  readonly generated: number;
}

/** The usual neighbourhood size. */
export const PR_NEIGHBOURS = 3;

const rowsOf = (x: ArrayLike<number>, dim: number, what: string): number => {
  if (!Number.isInteger(dim) || dim < 1 || x.length % dim !== 0) throw new RangeError(`precisionRecall: ${what} has ${x.length} values, not whole rows of ${dim}`);
  return x.length / dim;
};

const squaredDistance = (a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, dim: number): number => {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const t = a[i * dim + d]! - b[j * dim + d]!;
    s += t * t;
  }
  return s;
};

/** Inserts v into the ascending list `best` (length k) of row r's k smallest values. */
const keepSmallest = (best: Float64Array, r: number, k: number, v: number): void => {
  const o = r * k;
  if (v >= best[o + k - 1]!) return;
  let j = k - 1;
  while (j > 0 && best[o + j - 1]! > v) { best[o + j] = best[o + j - 1]!; j--; }
  best[o + j] = v;
};

/** Squared distance from each row to its k-th nearest other row of the same set; `onRow(i)` after row i. */
export const knnRadiiSquared = (x: ArrayLike<number>, dim: number, k: number, onRow?: (i: number) => void): Float64Array => {
  const n = rowsOf(x, dim, 'the set');
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new RangeError(`precisionRecall: k = ${k} needs an integer in [1, ${n - 1}] (at least k + 1 feature vectors per set, got ${n})`);
  const best = new Float64Array(n * k).fill(Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = squaredDistance(x, i, x, j, dim);
      keepSmallest(best, i, k, d);
      keepSmallest(best, j, k, d);
    }
    onRow?.(i);
  }
  return Float64Array.from({ length: n }, (_, i) => best[i * k + k - 1]!);
};

/**
 * Precision and recall of `generated` against `real` (row-major [n, dim] feature sets).
 * `onRows(done)` reports progress in rows of the three passes (2 real + 1 generated: `prRows`).
 */
export const precisionRecall = (
  real: ArrayLike<number>, generated: ArrayLike<number>, dim: number, k = PR_NEIGHBOURS, onRows?: (done: number) => void,
): PrecisionRecall => {
  const nr = rowsOf(real, dim, 'the real set');
  const ng = rowsOf(generated, dim, 'the generated set');
  const rr = knnRadiiSquared(real, dim, k, onRows && ((i) => onRows(i + 1)));
  const rg = knnRadiiSquared(generated, dim, k, onRows && ((i) => onRows(nr + i + 1)));
  const inReal = new Uint8Array(ng);
  const inGenerated = new Uint8Array(nr);
  for (let i = 0; i < nr; i++) {
    for (let j = 0; j < ng; j++) {
      if (inReal[j] && inGenerated[i]) continue;
      const d = squaredDistance(real, i, generated, j, dim);
      if (d <= rr[i]!) inReal[j] = 1;
      if (d <= rg[j]!) inGenerated[i] = 1;
    }
    onRows?.(nr + ng + i + 1);
  }
  const frac = (f: Uint8Array) => f.reduce((s, v) => s + v, 0) / f.length;
  return { precision: frac(inReal), recall: frac(inGenerated), k, real: nr, generated: ng };
};

/** The rows precisionRecall's progress counts to, for sets of nr real and ng generated rows. */
export const prRows = (nr: number, ng: number): number => 2 * nr + ng;

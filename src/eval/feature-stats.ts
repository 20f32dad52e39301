/**
 * First and second moments of feature vectors, accumulated batch by batch in float64: each batch
 * is summarised exactly (two passes over its rows), and summaries merge with Chan et al.'s
 * pairwise update, which stays accurate where a running sum of squares would cancel.
 * Values are immutable: merging returns a new summary.
 */
export interface FeatureStats {
  readonly dim: number;
  readonly count: number;
  /** [dim] */
  readonly mean: Float64Array;
  /** [dim, dim] row-major: sum over rows of (x - mean)(x - mean)^T. */
  readonly comoment: Float64Array;
}

/** The moments a Frechet distance compares: a mean and a covariance. */
export interface Gaussian {
  readonly dim: number;
  /** [dim] */
  readonly mean: Float64Array;
  /** [dim, dim] row-major, symmetric. */
  readonly cov: Float64Array;
}

export const emptyStats = (dim: number): FeatureStats => {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`feature stats: dim must be a positive integer, got ${dim}`);
  return { dim, count: 0, mean: new Float64Array(dim), comoment: new Float64Array(dim * dim) };
};

/** The summary of `rows` (row-major [count, dim]). */
export const statsOf = (rows: ArrayLike<number>, dim: number): FeatureStats => {
  const s = emptyStats(dim);
  if (rows.length % dim !== 0) throw new RangeError(`feature stats: ${rows.length} values are not whole rows of ${dim}`);
  const n = rows.length / dim;
  if (n === 0) return s;
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let i = 0; i < dim; i++) mean[i] += rows[r * dim + i]!;
  for (let i = 0; i < dim; i++) mean[i] /= n;
  const c = new Float64Array(dim * dim);
  const d = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i++) d[i] = rows[r * dim + i]! - mean[i]!;
    for (let i = 0; i < dim; i++) {
      const di = d[i]!;
      if (di === 0) continue;
      for (let j = i; j < dim; j++) c[i * dim + j] += di * d[j]!;
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) c[i * dim + j] = c[j * dim + i]!;
  return { dim, count: n, mean, comoment: c };
};

/** The summary of both sets together (Chan, Golub and LeVeque's pairwise update). */
export const mergeStats = (a: FeatureStats, b: FeatureStats): FeatureStats => {
  if (a.dim !== b.dim) throw new RangeError(`feature stats: cannot merge dim ${a.dim} with dim ${b.dim}`);
  if (b.count === 0) return a;
  if (a.count === 0) return b;
  const { dim } = a;
  const n = a.count + b.count;
  const delta = b.mean.map((m, i) => m - a.mean[i]!);
  const mean = a.mean.map((m, i) => m + (delta[i]! * b.count) / n);
  const w = (a.count * b.count) / n;
  const comoment = a.comoment.map((c, k) => c + b.comoment[k]! + w * delta[Math.floor(k / dim)]! * delta[k % dim]!);
  return { dim, count: n, mean, comoment };
};

/** Adds a batch of rows (row-major [rows, dim]) to a summary. */
export const addRows = (s: FeatureStats, rows: ArrayLike<number>): FeatureStats => mergeStats(s, statsOf(rows, s.dim));

/** Mean and unbiased covariance (divided by count - 1, as numpy.cov and the FID code do). */
export const gaussianOf = (s: FeatureStats): Gaussian => {
  if (s.count < 2) throw new RangeError(`feature stats: a covariance needs at least 2 feature vectors, got ${s.count}`);
  return { dim: s.dim, mean: s.mean, cov: s.comoment.map((c) => c / (s.count - 1)) };
};

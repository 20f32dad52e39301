/**
 * Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method, in float64: slow
 * (O(n^3) a sweep) but accurate to working precision even for the tiny and near-equal
 * eigenvalues of rank-deficient covariances, which is what a Frechet distance needs.
 */
export interface SymmetricEigen {
  /** [n], in the order the rotations left them (not sorted). */
  readonly values: Float64Array;
  /** [n, n] row-major; column j is the unit eigenvector of values[j]. */
  readonly vectors: Float64Array;
}

const checkSquare = (a: ArrayLike<number>, n: number): void => {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n} x ${n} values, got ${a.length}`);
};

const offDiagonal = (a: Float64Array, n: number): number => {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += a[i * n + j]! ** 2;
  return s;
};

/** Rotates rows/columns p and q of a (and columns of v) so that a[p, q] becomes 0. */
const rotate = (a: Float64Array, v: Float64Array, n: number, p: number, q: number): void => {
  const apq = a[p * n + q]!;
  const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
  const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let k = 0; k < n; k++) {
    const kp = a[k * n + p]!;
    const kq = a[k * n + q]!;
    a[k * n + p] = c * kp - s * kq;
    a[k * n + q] = s * kp + c * kq;
  }
  for (let k = 0; k < n; k++) {
    const pk = a[p * n + k]!;
    const qk = a[q * n + k]!;
    a[p * n + k] = c * pk - s * qk;
    a[q * n + k] = s * pk + c * qk;
  }
  a[p * n + q] = 0;
  a[q * n + p] = 0;
  for (let k = 0; k < n; k++) {
    const kp = v[k * n + p]!;
    const kq = v[k * n + q]!;
    v[k * n + p] = c * kp - s * kq;
    v[k * n + q] = s * kp + c * kq;
  }
};

/**
 * Eigenvalues and eigenvectors of the symmetric n x n matrix `a` (row-major; only its symmetric
 * part (a + a^T) / 2 is used). Sweeps until the off-diagonal mass is below working precision.
 */
export const symmetricEigen = (a: ArrayLike<number>, n: number, maxSweeps = 100): SymmetricEigen => {
  checkSquare(a, n);
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i * n + j] = (a[i * n + j]! + a[j * n + i]!) / 2;
  if (!w.every(Number.isFinite)) throw new RangeError('symmetricEigen: the matrix has a non-finite entry');
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (const x of w) total += x * x;
  const tiny = (Number.EPSILON * Number.EPSILON) * total;
  for (let sweep = 0; sweep < maxSweeps && offDiagonal(w, n) > tiny; sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) if (w[p * n + q] !== 0) rotate(w, v, n, p, q);
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => w[i * n + i]!), vectors: v };
};

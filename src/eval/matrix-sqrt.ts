/**
 * Square roots of symmetric positive semi-definite matrices through their eigendecomposition.
 * Eigenvalues that rounding pushed slightly below zero are clamped to zero, so rank-deficient
 * covariances (fewer samples than dimensions) have real square roots.
 */
import { symmetricEigen } from './symmetric-eigen.ts';

/** The PSD square root S (S S = a, S symmetric) of the n x n matrix `a`, row-major. */
export const sqrtPsd = (a: ArrayLike<number>, n: number): Float64Array => {
  const { values, vectors: v } = symmetricEigen(a, n);
  const r = values.map((l) => Math.sqrt(Math.max(l, 0)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += v[i * n + k]! * r[k]! * v[j * n + k]!;
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
};

/** a b for n x n row-major matrices. */
export const matmulSquare = (a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array => {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j]!;
    }
  }
  return out;
};

/**
 * tr sqrt(s1 s2) for PSD s1, s2, computed as tr sqrt(sqrt(s1) s2 sqrt(s1)): the inner matrix is
 * symmetric PSD with the same eigenvalues as s1 s2, so no complex square root is needed.
 */
export const traceSqrtProduct = (s1: ArrayLike<number>, s2: ArrayLike<number>, n: number): number => {
  const r = sqrtPsd(s1, n);
  const m = matmulSquare(matmulSquare(r, s2, n), r, n);
  return symmetricEigen(m, n).values.reduce((s, l) => s + Math.sqrt(Math.max(l, 0)), 0);
};

import fc from 'fast-check';

/** A feature set: `rows` vectors of `dim` values (row-major), moderate magnitudes. */
export const rowsArb = (rows: number, dim: number, scale = 3): fc.Arbitrary<Float64Array> =>
  fc.array(fc.double({ min: -scale, max: scale, noNaN: true }), { minLength: rows * dim, maxLength: rows * dim }).map((a) => Float64Array.from(a));

/** A random symmetric positive definite n x n matrix B B^T + eps I (row-major). */
export const spdArb = (n: number, eps = 1e-3): fc.Arbitrary<Float64Array> =>
  rowsArb(n, n, 2).map((b) => {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = i === j ? eps : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = s;
    }
    return a;
  });

/** Dimension and a sample count (more rows than dims, or fewer: rank-deficient covariances). */
export const setShapeArb = fc.record({ dim: fc.integer({ min: 1, max: 8 }), rows: fc.integer({ min: 2, max: 24 }) });

export const frobenius = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

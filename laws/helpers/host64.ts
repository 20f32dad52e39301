/**
 * Float64 reference arithmetic on the host, for the composite laws: each composite gets a
 * plain-loop reference here, and its gradient is checked against central differences of that
 * reference, which in float64 are exact to ~1e-9 (the float32 graph is the only error left).
 */
import { sizeOf } from '../../src/ir/shape.ts';

/** A host array of numbers in float64 (or any numeric view: labels and masks too). */
export interface Arr {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

export interface F64 {
  readonly data: Float64Array;
  readonly shape: readonly number[];
}

export const f64 = (data: ArrayLike<number>, shape: readonly number[]): F64 => ({ data: Float64Array.from(data), shape: [...shape] });

export const map = (x: Arr, f: (v: number, i: number) => number): F64 => f64(Array.from(x.data, f), x.shape);

/** Applies f to each row of the last axis; f returns the new row (its length sets the new last axis). */
export const rows = (x: Arr, f: (row: Float64Array, r: number) => ArrayLike<number>): F64 => {
  const n = x.shape[x.shape.length - 1] ?? 1;
  const count = sizeOf(x.shape) / n;
  const out: number[] = [];
  let width = n;
  for (let r = 0; r < count; r++) {
    const y = f(Float64Array.from({ length: n }, (_, j) => x.data[r * n + j]), r);
    width = y.length;
    for (let j = 0; j < y.length; j++) out.push(y[j]);
  }
  return f64(out, [...x.shape.slice(0, -1), width]);
};

const sumOf = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};

export const softmaxRow = (row: Float64Array): Float64Array => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = sumOf(e);
  return e.map((v) => v / s);
};

export const logsumexpRow = (row: Float64Array): number => {
  const m = Math.max(...row);
  return m + Math.log(sumOf(row.map((v) => Math.exp(v - m))));
};

export const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
export const silu = (x: number): number => x / (1 + Math.exp(-x));

/** (x - mean) / sqrt(var + eps) with the biased variance. */
export const normalizeRow = (row: Float64Array, eps: number): Float64Array => {
  const mu = sumOf(row) / row.length;
  const variance = sumOf(row.map((v) => (v - mu) ** 2)) / row.length;
  return row.map((v) => (v - mu) / Math.sqrt(variance + eps));
};

export const rmsRow = (row: Float64Array, eps: number): Float64Array => {
  const ms = sumOf(row.map((v) => v * v)) / row.length;
  return row.map((v) => v / Math.sqrt(ms + eps));
};

/** Mean over the given (non-negative, sorted) axes. */
export const meanAxes = (x: Arr, axes: readonly number[], keepDims: boolean): F64 => {
  const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const total = new Float64Array(sizeOf(outShape));
  const strides = outShape.map((_, i) => sizeOf(outShape.slice(i + 1)));
  const count = sizeOf(axes.map((a) => x.shape[a]));
  for (let i = 0; i < x.data.length; i++) {
    let rest = i;
    let o = 0;
    for (let a = x.shape.length - 1; a >= 0; a--) {
      const c = rest % x.shape[a];
      rest = Math.floor(rest / x.shape[a]);
      if (!axes.includes(a)) o += c * strides[a];
    }
    total[o] += x.data[i];
  }
  return f64(total.map((v) => v / count), keepDims ? outShape : x.shape.filter((_, i) => !axes.includes(i)));
};

/** Batched a [..., m, k] @ b [..., k, n] with equal leading axes (or b rank 2, shared). */
export const matmul = (a: Arr, b: Arr): F64 => {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batch = sizeOf(a.shape.slice(0, -2));
  const shared = b.shape.length === 2;
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const bo = shared ? 0 : t * k * n;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a.data[t * m * k + i * k + l] * b.data[bo + l * n + j];
      out[t * m * n + i * n + j] = s;
    }
  }
  return f64(out, [...a.shape.slice(0, -2), m, n]);
};

/** Adds a bias [n] to every row of the last axis. */
export const addRow = (x: Arr, b: Arr): F64 => rows(x, (row) => row.map((v, j) => v + b.data[j]));

/** Permutes axes (as the transpose primitive). */
export const transpose = (x: Arr, perm: readonly number[]): F64 => {
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = x.shape.map((_, i) => sizeOf(x.shape.slice(i + 1)));
  const out = new Float64Array(x.data.length);
  for (let o = 0; o < out.length; o++) {
    let rest = o;
    let src = 0;
    for (let a = shape.length - 1; a >= 0; a--) {
      const c = rest % shape[a];
      rest = Math.floor(rest / shape[a]);
      src += c * inStrides[perm[a]];
    }
    out[o] = x.data[src];
  }
  return f64(out, shape);
};

/** A seeded normal stream (mulberry32 + Box-Muller), rounded to float32 so the graph sees the same numbers. */
export const normals = (seed: number, n: number): Float32Array => {
  let s = seed >>> 0;
  const uni = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uni())) * Math.cos(2 * Math.PI * uni()));
};

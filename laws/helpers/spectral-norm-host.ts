import type { HostArray } from '../../src/ir/host-array.ts';
import { startEntry } from '../../src/nn/spectral-norm.ts';

const EPS = 1e-12;

/** spectralNorm's power iteration in float64 on the host, from the same start vector. */
export const spectralNormHost = (w: HostArray, iterations: number): number => {
  const [rows, cols] = w.shape;
  const at = (i: number, j: number) => w.data[i * cols + j] as number;
  const norm = (x: number[]) => { const s = Math.sqrt(x.reduce((a, b) => a + b * b, 0) + EPS); return x.map((y) => y / s); };
  let v = norm(Array.from({ length: cols }, (_, i) => startEntry(i)));
  let u = norm(Array.from({ length: rows }, (_, i) => v.reduce((a, vj, j) => a + at(i, j) * vj, 0)));
  for (let k = 1; k < iterations; k++) {
    v = norm(Array.from({ length: cols }, (_, j) => u.reduce((a, ui, i) => a + ui * at(i, j), 0)));
    u = norm(Array.from({ length: rows }, (_, i) => v.reduce((a, vj, j) => a + at(i, j) * vj, 0)));
  }
  return u.reduce((a, ui, i) => a + ui * v.reduce((b, vj, j) => b + at(i, j) * vj, 0), 0);
};

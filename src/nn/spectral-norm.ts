/**
 * Spectral normalisation (Miyato et al. 2018): a linear layer whose weight is divided by its
 * largest singular value, estimated by power iteration. PyTorch keeps the iteration's vector as
 * a buffer and does one step per call; here the layer stays stateless: each call runs `iterations`
 * steps from a fixed start vector, so a parameter tree is all it needs and a resumed run repeats
 * an uninterrupted one. As in PyTorch, the singular vectors carry no gradient.
 */
import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import { add, constant, div, matmul, mul, reshape, rsqrt, stopGradient, sum, square } from '../ops/index.ts';
import { dense, linear, type LinearConfig, type LinearParams } from './linear.ts';
import type { Layer } from './module.ts';

const EPS = 1e-12;

const unit = (v: Node): Node => mul(v, rsqrt(add(sum(square(v)), EPS)));

/** A fixed start vector with no zero entries and no symmetry (so it is not orthogonal to the top singular vector of a generic weight). */
const startVector = (n: number): Node => constant(Float32Array.from({ length: n }, (_, i) => 1 + ((i * 0.618034) % 1)), [n, 1]);

/** The largest singular value of w [in, out], by `iterations` power steps (no gradient through the vectors). */
export const spectralNorm = (w: Node, iterations: number): Node => {
  const [, out] = w.shape;
  const wt = stopGradient(w);
  let v = unit(startVector(out));
  let u = unit(matmul(wt, v));
  for (let i = 1; i < iterations; i++) {
    v = unit(matmul(reshape(u, [1, -1]), wt));
    v = reshape(v, [out, 1]);
    u = unit(matmul(wt, v));
  }
  // sigma = u^T W v, with W itself carrying the gradient
  return sum(mul(matmul(w, stopGradient(v)), stopGradient(u)));
};

export interface SpectralLinearConfig extends LinearConfig {
  /** Power-iteration steps per call (default 4). */
  readonly iterations?: number;
}

/** A linear layer with its weight divided by its spectral norm (the bias is left as it is). */
export const spectralLinear = (cfg: SpectralLinearConfig): Layer<LinearParams> => {
  const base = linear(cfg);
  const iterations = cfg.iterations ?? 4;
  return {
    init: (key) => base.init(key),
    apply: (p, x) => dense(x, div(p.w, spectralNorm(p.w, iterations)), p.b),
  };
};

/** The host-side estimate, for tests: the same iteration in float64. */
export const spectralNormHost = (w: HostArray, iterations: number): number => {
  const [rows, cols] = w.shape;
  const at = (i: number, j: number) => w.data[i * cols + j] as number;
  const norm = (x: number[]) => { const s = Math.sqrt(x.reduce((a, b) => a + b * b, 0) + EPS); return x.map((y) => y / s); };
  let v = norm(Array.from({ length: cols }, (_, i) => 1 + ((i * 0.618034) % 1)));
  let u = norm(Array.from({ length: rows }, (_, i) => v.reduce((a, vj, j) => a + at(i, j) * vj, 0)));
  for (let k = 1; k < iterations; k++) {
    v = norm(Array.from({ length: cols }, (_, j) => u.reduce((a, ui, i) => a + ui * at(i, j), 0)));
    u = norm(Array.from({ length: rows }, (_, i) => v.reduce((a, vj, j) => a + at(i, j) * vj, 0)));
  }
  return u.reduce((a, ui, i) => a + ui * v.reduce((b, vj, j) => b + at(i, j) * vj, 0), 0);
};

/**
 * Spectral normalisation (Miyato et al. 2018): a linear layer whose weight is divided by its
 * largest singular value, estimated by power iteration. PyTorch keeps the iteration's vector as
 * a buffer and does one step per call; here the layer stays stateless: each call runs `iterations`
 * steps from a fixed start vector, so a parameter tree is all it needs and a resumed run repeats
 * an uninterrupted one. As in PyTorch, the singular vectors carry no gradient.
 */
import type { Node } from '../ir/node.ts';
import { add, constant, div, matmul, mul, reshape, rsqrt, stopGradient, sum, square } from '../ops/index.ts';
import { dense, linear, type LinearConfig, type LinearParams } from './linear.ts';
import type { Layer } from './module.ts';

const EPS = 1e-12;

const unit = (v: Node): Node => mul(v, rsqrt(add(sum(square(v)), EPS)));

/** A fixed start vector with no zero entries and no symmetry (so it is not orthogonal to the top singular vector of a generic weight). */
/** The start vector's entries (exported for the float64 check in the laws). */
export const startEntry = (i: number): number => 1 + ((i * 0.618034) % 1);

const startVector = (n: number): Node => constant(Float32Array.from({ length: n }, (_, i) => startEntry(i)), [n, 1]);

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

import type { Node } from '../../../ir/node.ts';
import {
  add, cast, constant, expandDims, floor, gather, maximum, minimum, mul, neg, sliceAxis, square, stopGradient, straightThrough, sub, sum, tanh, topk, zeros,
} from '../../../ops/index.ts';
import { drawAmong, tokenRows, type Quantizer } from './quantizer.ts';

/**
 * Finite scalar quantisation (Mentzer et al. 2023, "Finite Scalar Quantization: VQ-VAE Made
 * Simple"): each of the d channels of z is bounded by tanh to (-1, 1) and rounded to one of L_i
 * evenly spaced levels -1 + 2 l / (L_i - 1), l = 0..L_i-1 (symmetric for every L_i, even ones
 * included; the paper's code shifts even L by half a step instead). Rounding passes the gradient
 * straight through, so d codes / d tanh(z) is the identity. The index is the mixed-radix number of
 * the level digits, channel 0 the least significant: levels [8, 5, 5, 5] give 1000 codes. There
 * is no codebook and no codebook or commitment loss.
 */

/** The number of codes: the product of the levels. */
export const fsqCodeCount = (levels: readonly number[]): number => levels.reduce((a, l) => a * l, 1);

/** The mixed-radix place value of each channel: 1, L_0, L_0 L_1, ... */
const fsqBasis = (levels: readonly number[]): number[] => levels.map((_, i) => fsqCodeCount(levels.slice(0, i)));

/** The level digits l_i of code `index` (0 <= l_i < L_i). */
export const fsqDigits = (levels: readonly number[], index: number): number[] => {
  const basis = fsqBasis(levels);
  return levels.map((L, i) => Math.floor(index / basis[i]) % L);
};

/** The code index of level digits. */
export const fsqIndex = (levels: readonly number[], digits: readonly number[]): number => {
  const basis = fsqBasis(levels);
  return digits.reduce((a, l, i) => a + l * basis[i], 0);
};

/** The value of digit l among L levels: -1 + 2 l / (L - 1), in float32. */
export const fsqLevelValue = (L: number, l: number): number => Math.fround(-1 + (2 * l) / (L - 1));

/** Every code's vector, row i = code i: [codes, d] float32 (the grid the decoder reads). */
export const fsqGrid = (levels: readonly number[]): Float32Array => {
  const V = fsqCodeCount(levels);
  const d = levels.length;
  const out = new Float32Array(V * d);
  for (let i = 0; i < V; i++) fsqDigits(levels, i).forEach((l, j) => { out[i * d + j] = fsqLevelValue(levels[j], l); });
  return out;
};

export const fsqQuantizer = (levels: readonly number[]): Quantizer => {
  const d = levels.length;
  const V = fsqCodeCount(levels);
  const gridData = fsqGrid(levels);
  const grid = (): Node => constant(gridData, [V, d]);
  const half = (): Node => constant(Float32Array.from(levels, (L) => (L - 1) / 2), [d]);
  const top = (): Node => constant(Float32Array.from(levels, (L) => L - 1), [d]);
  const basis = (): Node => constant(Float32Array.from(fsqBasis(levels)), [d]);
  const lookup = (indices: Node): Node => gather(grid(), indices);
  return {
    kind: 'fsq',
    codes: V,
    dim: d,
    init: () => ({}),
    quantize: (_p, zRaw) => {
      const z = tanh(zRaw);
      // the digit of each channel: round((z + 1) (L - 1) / 2), clamped (tanh may round to +-1)
      const scaled = mul(add(stopGradient(z), 1), half());
      const digits = minimum(maximum(floor(add(scaled, 0.5)), 0), top());
      const indices = cast(add(sum(mul(digits, basis()), -1), 0.5), 'int32'); // exact: below 2^24
      const q = lookup(indices);
      // closeness to every code: minus the squared distance, exactly 0 for the code itself
      const similarity = neg(sum(square(sub(expandDims(q, -2), grid())), -1));
      const none = zeros(indices.shape);
      return { indices, codes: straightThrough(z, q), z, vqPerToken: none, commitPerToken: none, similarity };
    },
    lookup: (_p, indices) => lookup(indices),
    noise: (_p, q, k, key) => {
      // the k + 1 nearest: the code itself first (the only one at distance 0), then its k nearest others
      const indices = drawAmong(sliceAxis(topk(stopGradient(q.similarity), k + 1).indices, -1, 1, k + 1), key);
      return { indices, codes: lookup(indices) };
    },
    ...tokenRows,
  };
};

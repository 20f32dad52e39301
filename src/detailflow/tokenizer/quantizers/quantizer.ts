import type { HostArray } from '../../../ir/host-array.ts';
import type { Node } from '../../../ir/node.ts';
import type { NoParams, Params } from '../../../nn/module.ts';
import type { Key } from '../../../random/key.ts';
import { add, cast, categorical, mul, oneHot, sum, zeros } from '../../../ops/index.ts';

/**
 * The tokenizer's quantiser as a part: one interface, several implementations (l2-normalised VQ
 * with a learnt codebook, FSQ with a fixed level grid, VAR's multi-scale residual VQ). The tokenizer, self-correction, the
 * objective, the raster baseline and the reports reach it only through this interface; the
 * configuration's `quantizer` field picks one (`quantizerFor`).
 */

/** The quantisers a configuration can name. */
export const quantizerKinds = ['vq', 'fsq', 'msvq'] as const;
export type QuantizerKind = (typeof quantizerKinds)[number];

/**
 * A quantiser's parameters, under the tokenizer's `codebook` key (so VQ checkpoints keep their
 * tensor names): VQ's codebook [V, D]; FSQ has none (an empty record).
 */
export type QuantizerParams = HostArray | NoParams;

/** One quantisation of encoder vectors z [..., D]. */
export interface Quantized {
  /** Code index per token [...] int32. */
  readonly indices: Node;
  /** The code vectors [..., D] (forward value) with the straight-through gradient to z: what the decoder reads. */
  readonly codes: Node;
  /** The encoder vectors as the quantiser bounds them [..., D] (VQ: l2-normalised; FSQ: tanh). */
  readonly z: Node;
  /**
   * Per-position loss terms [...] (mean over D): VQ's codebook term mean((codes - sg z)^2) and
   * commitment mean((sg codes - z)^2); zeros for a quantiser without such losses (FSQ).
   */
  readonly vqPerToken: Node;
  readonly commitPerToken: Node;
  /** Closeness to every code [..., V], larger is nearer (the nearest-neighbour noise source). */
  readonly similarity: Node;
}

/** Noise for self-correction: replacement indices [...] and their code vectors [..., D]. */
export interface QuantizerNoise {
  readonly indices: Node;
  readonly codes: Node;
}

export interface Quantizer {
  readonly kind: QuantizerKind;
  /** The number of codes: the AR model's vocabulary. */
  readonly codes: number;
  /** The width D of a code vector (the encoder's output and the decoder's input). */
  readonly dim: number;
  /** Its parameters from a key (deterministic per key); FSQ has none. */
  init(key: Key): QuantizerParams;
  /** Encodes z [..., D] to indices, straight-through codes and loss terms. */
  quantize(p: Params<QuantizerParams>, z: Node): Quantized;
  /** The code vectors [..., D] of indices [...] int32 (decoding stored tokens). */
  lookup(p: Params<QuantizerParams>, indices: Node): Node;
  /**
   * For each token of `q`, a code drawn uniformly among its k nearest (no gradient flows): VQ's
   * top-k by cosine (which may be the token's own code), FSQ's k nearest other points of the grid.
   */
  noise(p: Params<QuantizerParams>, q: Quantized, k: number, key: Node): QuantizerNoise;
  /** How many rows the decoder reads for a sequence of `tokens` tokens (one per token, or the grid the tokens build). */
  decoderRows(tokens: number): number;
  /**
   * What the decoder reads from the code vectors of the first t tokens [..., t, D]: the codes
   * themselves (VQ, FSQ), or the grid they build (multi-scale residual VQ).
   */
  toDecoder(codes: Node): Node;
}

/** The decoder reads one row per token: the code vectors as they are. */
export const tokenRows: Pick<Quantizer, 'decoderRows' | 'toDecoder'> = { decoderRows: (tokens) => tokens, toDecoder: (codes) => codes };

/**
 * One candidate per token drawn uniformly from `candidates` [..., k] int32 (the noise of every
 * quantiser: its k nearest codes), as int32 indices [...].
 */
export const drawAmong = (candidates: Node, key: Node): Node => {
  const k = candidates.shape[candidates.shape.length - 1];
  const pick = categorical(key, zeros(candidates.shape));
  const chosen = sum(mul(cast(candidates, 'float32'), oneHot(pick, k)), -1);
  return cast(add(chosen, 0.5), 'int32'); // exact: indices are integers below 2^24
};

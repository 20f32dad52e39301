import { constant } from '../ops/constants.ts';
import type { Node } from '../ir/node.ts';
import { orThrow } from '../config/codec.ts';
import { decodeEncoderMaskConfig, decodeMaskConfig } from './config.ts';
import { coveringPartition, spanIndexOf, spanIndexTable, type Partition } from './partition.ts';

/**
 * Attention masks. Convention here: true = may attend (the GPT's SDPA convention). The reference
 * tokenizer stores the opposite (true = blocked, then an additive finfo.min); `biasNode` gives
 * the additive form, so callers never need the blocked convention. Every mask is derived from a
 * Partition; the (g, C) forms build DetailFlow's.
 */
export interface GroupOpts {
  /** g */
  readonly group: number;
  /** C: a multiple of g; rows i < C are strictly causal. */
  readonly causal: number;
}

/**
 * allowed(i, j) under the partition: j's span lies in the window of i's span (sees[k]..k). For
 * DetailFlow's partition that is create_group_causal_mask: j <= i for i < C (single-token
 * spans), else floor(j/g) <= floor(i/g).
 */
const allowsIn = (p: Partition, span: readonly number[]) => (i: number, j: number): boolean => {
  const k = span[i];
  const l = span[j];
  return l <= k && l >= p.sees[k];
};

/**
 * The AR mask over the first `length` positions (position q predicts token q, so it lies in
 * token q's span); with `from`, only rows [from, length) (a forward range's new positions).
 */
export const arMaskRowsOf = (p: Partition, length: number = p.tokens, from = 0): boolean[][] => {
  const q = coveringPartition(p, length);
  const allows = allowsIn(q, spanIndexTable(q));
  return Array.from({ length: length - from }, (_, i) => Array.from({ length }, (_, j) => allows(from + i, j)));
};

/**
 * The tokenizer encoder's mask over [patches ; first `latents` latents] (create_attn_mask_for_x_z
 * with x_see_z = false, z_see_x = true, z_causal = true), here with true = may attend: patches see
 * patches only; latents see every patch, and latents under the partition's rule.
 */
export const encoderMaskRowsOf = (p: Partition, patches: number, latents: number = p.tokens): boolean[][] => {
  const q = coveringPartition(p, latents);
  const allows = allowsIn(q, spanIndexTable(q));
  const L = patches + latents;
  return Array.from({ length: L }, (_, i) =>
    Array.from({ length: L }, (_, j) => {
      if (i < patches) return j < patches;
      if (j < patches) return true;
      return allows(i - patches, j - patches);
    }));
};

/** The last visible column of row i among `length`: the end of i's span, less one. */
export const lastVisibleOf = (p: Partition, i: number, length: number): number =>
  Math.min(length - 1, p.spans[spanIndexOf(p, i)].end - 1);

/** allowed(i, j) for DetailFlow's (g, C): j <= i for i < C, else floor(j/g) <= floor(i/g). */
export const groupAllows = (i: number, j: number, o: GroupOpts): boolean => {
  const p = coveringPartition(o, Math.max(i, j) + 1);
  return allowsIn(p, spanIndexTable(p))(i, j);
};

/** The last visible column of row i: the mask's rows are prefixes [0, r(i)]. */
export const lastVisible = (i: number, length: number, o: GroupOpts): number =>
  lastVisibleOf(coveringPartition(o, Math.max(i + 1, length)), i, length);

/** The AR group-causal mask over `length` positions, as rows of booleans (inputs checked; throws ConfigError). */
export const groupCausalRows = (length: number, o: { group: number; causal?: number }): boolean[][] => {
  const c = orThrow(decodeMaskConfig({ length, ...o }));
  return arMaskRowsOf(coveringPartition(c, length), length);
};

/** encoderMaskRowsOf for DetailFlow's (g, C) (inputs checked; throws ConfigError). */
export const encoderRows = (patches: number, latents: number, o: { group: number; causal?: number }): boolean[][] => {
  const c = orThrow(decodeEncoderMaskConfig({ patches, latents, ...o }));
  return encoderMaskRowsOf(coveringPartition(c, latents), patches, latents);
};

const flatRows = <T extends Uint8Array | Float32Array>(rows: readonly (readonly boolean[])[], out: T, on: number, off: number): T => {
  const n = rows.length;
  if (n === 0 || rows.some((r) => r.length !== n)) throw new RangeError(`a mask must be a non-empty square matrix, got ${n} rows of lengths ${[...new Set(rows.map((r) => r.length))].join('/')}`);
  rows.forEach((row, i) => row.forEach((v, j) => { out[i * n + j] = v ? on : off; }));
  return out;
};

/** A constant bool [L, L] node (true = may attend). */
export const maskNode = (rows: readonly (readonly boolean[])[]): Node => {
  const n = rows.length;
  return constant(flatRows(rows, new Uint8Array(n * n), 1, 0), [n, n]);
};

/**
 * The additive form for attention logits: 0 where allowed, `blocked` elsewhere. -1e9 (not -inf)
 * keeps a fully blocked row finite (softmax becomes uniform instead of NaN) and is far below any
 * float32 logit that matters, so exp() of it underflows to exactly 0.
 */
export const BLOCKED_BIAS = -1e9;

export const biasNode = (rows: readonly (readonly boolean[])[], blocked: number = BLOCKED_BIAS): Node => {
  if (!(Number.isFinite(blocked) && blocked < 0)) throw new RangeError(`biasNode: blocked must be a finite negative number, got ${blocked}`);
  const n = rows.length;
  return constant(flatRows(rows, new Float32Array(n * n), 0, blocked), [n, n]);
};

type Opts = { group: number; causal?: number };

export const groupCausalMaskNode = (length: number, o: Opts): Node => maskNode(groupCausalRows(length, o));
export const groupCausalBiasNode = (length: number, o: Opts, blocked: number = BLOCKED_BIAS): Node =>
  biasNode(groupCausalRows(length, o), blocked);
export const encoderMaskNode = (patches: number, latents: number, o: Opts): Node => maskNode(encoderRows(patches, latents, o));
export const encoderBiasNode = (patches: number, latents: number, o: Opts, blocked: number = BLOCKED_BIAS): Node =>
  biasNode(encoderRows(patches, latents, o), blocked);

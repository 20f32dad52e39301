import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import { add, dropout, expandDims, matmul, mT, mul, softmax, where } from '../ops/index.ts';

/** Large negative score for disallowed keys: finite, so a fully masked row gives a uniform row, not NaN. */
export const MASKED = -1e30;

export interface AttendOptions {
  /** Score scale; default 1/sqrt(head dim). */
  readonly scale?: number;
  /** Dropout on the attention probabilities (training only; the caller decides when to pass it). */
  readonly dropout?: { readonly key: Node; readonly rate: number };
}

const describe = (xs: readonly Node[]) => xs.map((x) => ({ shape: x.shape, dtype: x.dtype }));

/**
 * Lines a mask up with scores [..., H, Tq, Tk]: a mask without the head axis ([B, Tq, Tk]) gets
 * one, so it broadcasts over heads; [Tq, Tk] and [B, H|1, Tq, Tk] broadcast as they are.
 */
export const alignMask = (mask: Node, scoresRank: number): Node =>
  scoresRank >= 4 && mask.shape.length === scoresRank - 1 ? expandDims(mask, -3) : mask;

/**
 * A boolean mask (true = may attend) as an additive bias on the mask's own (small) shape, so
 * the big scores tensor only sees one broadcast add, whose gradient passes straight through.
 */
export const maskBias = (mask: Node): Node => (mask.dtype === 'bool' ? where(mask, 0, MASKED) : mask);

/**
 * Scaled dot-product attention, the core shared by self-, cross- and cached attention:
 * softmax(q k^T * scale + bias) v, with q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv].
 * Keys and values are explicit arguments, so a KV cache passes its concatenated keys here.
 * `mask` is boolean (true = may attend) or an additive float bias, broadcast over heads.
 */
export const attend = (q: Node, k: Node, v: Node, mask?: Node, opts: AttendOptions = {}): Node => {
  const r = q.shape.length;
  if (r < 2 || k.shape.length !== r || v.shape.length !== r) {
    throw new GraphError('shape', 'attend', 'q, k and v need the same rank >= 2', describe([q, k, v]));
  }
  const d = q.shape[r - 1];
  if (k.shape[r - 1] !== d || k.shape[r - 2] !== v.shape[r - 2]) {
    throw new GraphError('shape', 'attend', 'q and k need the same feature size; k and v the same length', describe([q, k, v]));
  }
  if (mask && mask.dtype !== 'bool' && mask.dtype !== 'float32') {
    throw new GraphError('dtype', 'attend', `mask must be bool or a float32 bias, got ${mask.dtype}`);
  }
  // scaling q (Tq x D) is cheaper than scaling the scores (Tq x Tk)
  const scores = matmul(mul(q, opts.scale ?? 1 / Math.sqrt(d)), mT(k));
  const biased = mask ? add(scores, alignMask(maskBias(mask), r)) : scores;
  const probs = softmax(biased, -1);
  const dropped = opts.dropout && opts.dropout.rate > 0 ? dropout(opts.dropout.key, probs, opts.dropout.rate) : probs;
  return matmul(dropped, v);
};

import { GraphError } from '../../ir/errors.ts';
import type { Node } from '../../ir/node.ts';
import {
  add, cast, cumsum, div, less, lessEqual, max, maximum, minimum, mul, neg, sliceAxis, softmax, sub, sum, topk, topKFilter, uniform, where,
  type Operand,
} from '../../ops/index.ts';

/** Filtered-out logits: finite (so the Gumbel noise and softmax stay finite), far below any real logit. */
export const FILTERED = -1e30;

/**
 * Classifier-free guidance u + s (c - u), written as c + (s - 1)(c - u): the same value, and
 * at s = 1 exactly the conditional logits (no rounding from adding and subtracting u).
 */
export const cfgMix = (cond: Node, uncond: Node, scale: Operand): Node => add(cond, mul(sub(scale, 1), sub(cond, uncond)));

/** logits / max(t, 1e-5): the reference's clamp, so t -> 0 tends to argmax. */
export const applyTemperature = (logits: Node, t: Operand): Node => div(logits, maximum(t, 1e-5));

/**
 * Nucleus filtering as top_k_top_p_filtering: in descending order, keep token i while the
 * probability mass before it is <= p (so the top token is always kept and the kept mass is
 * >= p); ties with the smallest kept logit are kept too. p = 1 is the identity.
 */
export const topPFilter = (logits: Node, p: number): Node => {
  if (!(p > 0 && p <= 1)) throw new GraphError('attr', 'topPFilter', `p must be in (0, 1], got ${p}`);
  if (p === 1) return logits;
  const V = logits.shape[logits.shape.length - 1];
  const sorted = topk(logits, V).values;
  const probs = softmax(sorted, -1);
  const before = sub(cumsum(probs, -1), probs);
  const smallestKept = neg(max(where(lessEqual(before, p), neg(sorted), FILTERED), -1, true));
  return where(less(logits, smallestKept), FILTERED, logits);
};

export interface FilterOptions {
  /** Keep the k largest logits; undefined or k >= V keeps all. */
  readonly topK?: number;
  /** Nucleus mass in (0, 1]; undefined or 1 keeps all. */
  readonly topP?: number;
}

/** top-k, then top-p (the reference's order). */
export const filterLogits = (logits: Node, o: FilterOptions): Node => {
  const k = o.topK === undefined ? logits : topKFilter(logits, o.topK);
  return o.topP === undefined ? k : topPFilter(k, o.topP);
};

/**
 * One categorical draw per row of logits [..., V] by inverse CDF: the first index whose
 * cumulative probability exceeds u * total, for one uniform u per row. Gumbel-max would need V
 * uniforms per row, and the random streams are generated on the host (the cost that matters).
 * A filtered token has probability 0, so its CDF step is empty and it is never drawn.
 */
export const categoricalInverseCdf = (key: Node, logits: Node): Node => {
  const V = logits.shape[logits.shape.length - 1];
  const cdf = cumsum(softmax(logits, -1), -1);
  const r = mul(uniform(key, [...logits.shape.slice(0, -1), 1]), sliceAxis(cdf, -1, V - 1, V));
  return minimum(cast(sum(cast(lessEqual(cdf, r), 'float32'), -1), 'int32'), V - 1);
};

/** One draw per row of logits [..., V] after temperature and filtering: int32 [...]. */
export const sampleLogits = (key: Node, logits: Node, temperature: Operand, o: FilterOptions): Node =>
  categoricalInverseCdf(key, filterLogits(applyTemperature(logits, temperature), o));

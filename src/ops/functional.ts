import type { Node } from '../ir/node.ts';
import { GraphError } from '../ir/errors.ts';
import { cast, equal, exp, less, mul, neg, sub, where } from './elementwise.ts';
import { logsumexp, mean, sum, max, argmax, topk } from './reduce.ts';
import { oneHot } from './indexing.ts';
import { full } from './constants.ts';

export const logSoftmax = (x: Node, axis = -1): Node => sub(x, logsumexp(x, axis, true));
export const softmax = (x: Node, axis = -1): Node => exp(logSoftmax(x, axis));

/** Adds a boolean mask (true = keep) as -inf-like bias before the softmax. */
export const maskedSoftmax = (x: Node, allowed: Node, axis = -1): Node => softmax(where(allowed, x, -1e30), axis);

/**
 * Mean cross-entropy between logits [..., V] and integer labels [...].
 * Written through one-hot so that its gradient is the familiar softmax - onehot.
 */
export const crossEntropy = (logits: Node, labels: Node): Node => {
  const V = logits.shape[logits.shape.length - 1];
  if (labels.dtype !== 'int32') throw new GraphError('dtype', 'crossEntropy', `labels must be int32, got ${labels.dtype}`);
  if (labels.shape.join() !== logits.shape.slice(0, -1).join()) {
    throw new GraphError('shape', 'crossEntropy', `labels shape must be logits shape without the last axis`, [
      { shape: logits.shape, dtype: logits.dtype }, { shape: labels.shape, dtype: labels.dtype }]);
  }
  return neg(mean(sum(mul(oneHot(labels, V), logSoftmax(logits)), -1)));
};

/** Fraction of positions where argmax(logits) equals the label. */
export const accuracy = (logits: Node, labels: Node): Node => mean(cast(equal(argmax(logits), labels), 'float32'));

/** Keeps the k largest logits per row (others -> -inf-like); k >= V is the identity. */
export const topKFilter = (logits: Node, k: number): Node => {
  const V = logits.shape[logits.shape.length - 1];
  if (!Number.isInteger(k) || k < 1) throw new GraphError('attr', 'topKFilter', `k must be a positive integer, got ${k}`);
  if (k >= V) return logits;
  const kth = max(neg(topk(logits, k).values), -1, true);
  return where(less(logits, neg(kth)), full([], -1e30), logits);
};

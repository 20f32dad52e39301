import type { Node } from '../ir/node.ts';
import { GraphError } from '../ir/errors.ts';
import { cast, div, equal, exp, less, log, mul, neg, stopGradient, sub, where } from './elementwise.ts';
import { mean, sum, max, argmax, topk } from './reduce.ts';
import { oneHot } from './indexing.ts';
import { full } from './constants.ts';

/**
 * log-softmax as (x - m) - log(sum(exp(x - m))) with m = max(x) held constant: exact for any
 * |max|, where x - logsumexp(x) loses the small log-sum next to a huge max (e.g. masked rows).
 */
export const logSoftmax = (x: Node, axis = -1): Node => {
  const shifted = sub(x, stopGradient(max(x, axis, true)));
  return sub(shifted, log(sum(exp(shifted), axis, true)));
};

/**
 * softmax as exp(x - m) * (1 / sum(exp(x - m))): rows sum to 1 for any |max|, and the
 * reciprocal is taken on the small reduced tensor, so the backward pass has one big product
 * instead of a big quotient.
 */
export const softmax = (x: Node, axis = -1): Node => {
  const e = exp(sub(x, stopGradient(max(x, axis, true))));
  return mul(e, div(1, sum(e, axis, true)));
};

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

import { bind } from '../primitives/bind.ts';
import type { Node } from '../ir/node.ts';
import type { Shape } from '../ir/shape.ts';
import { add, cast, log, neg, less, mul } from './elementwise.ts';
import { argmax } from './reduce.ts';

/** The i-th independent child of a traced key. */
export const splitKey = (key: Node, index: number): Node => bind('splitKey', [key], { index });
export const splitKeys = (key: Node, n: number): Node[] => Array.from({ length: n }, (_, i) => splitKey(key, i));

export const uniform = (key: Node, shape: Shape, lo = 0, hi = 1): Node => {
  const u = bind('randomUniform', [key], { shape: [...shape] });
  return lo === 0 && hi === 1 ? u : add(mul(u, hi - lo), lo);
};

export const normal = (key: Node, shape: Shape, std = 1, meanValue = 0): Node => {
  const z = bind('randomNormal', [key], { shape: [...shape] });
  return std === 1 && meanValue === 0 ? z : add(mul(z, std), meanValue);
};

/** Bernoulli(p) as a bool tensor. */
export const bernoulli = (key: Node, p: number, shape: Shape): Node => less(uniform(key, shape), p);

/** Samples indices from unnormalised logits along the last axis (Gumbel-max). */
export const categorical = (key: Node, logits: Node): Node => {
  const u = uniform(key, logits.shape);
  const gumbel = neg(log(neg(log(add(mul(u, 1 - 2e-7), 1e-7)))));
  return argmax(add(logits, gumbel), -1);
};

/** Inverted dropout: zeroes with probability `rate` and rescales the rest. */
export const dropout = (key: Node, x: Node, rate: number): Node => {
  if (rate <= 0) return x;
  const kept = cast(less(uniform(key, x.shape), 1 - rate), 'float32');
  return mul(x, mul(kept, 1 / (1 - rate)));
};

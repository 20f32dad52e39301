import * as E from 'fp-ts/lib/Either.js';
import { bind } from '../primitives/bind.ts';
import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import { normalizeAxes, sizeOf } from '../ir/shape.ts';
import { div, exp, log, sub, add, stopGradient } from './elementwise.ts';
import { reshape } from './movement.ts';

export type Axes = number | readonly number[] | undefined;

/** Resolves an axis argument (undefined = all axes) to sorted non-negative axes, or throws naming the op. */
export const resolveAxes = (op: string, x: Node, axes: Axes): number[] => {
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  const r = normalizeAxes(list, x.shape.length);
  if (E.isLeft(r)) throw new GraphError('attr', op, r.left, [{ shape: x.shape, dtype: x.dtype }]);
  return r.right;
};

export const sum = (x: Node, axes?: Axes, keepDims = false): Node => bind('sum', [x], { axes: resolveAxes('sum', x, axes), keepDims });
export const max = (x: Node, axes?: Axes, keepDims = false): Node => bind('max', [x], { axes: resolveAxes('max', x, axes), keepDims });

export const mean = (x: Node, axes?: Axes, keepDims = false): Node => {
  const ax = resolveAxes('mean', x, axes);
  const count = sizeOf(ax.map((a) => x.shape[a]));
  return div(sum(x, ax, keepDims), count);
};

/** log(sum(exp(x))) computed stably: the max is subtracted first and does not take gradient. */
export const logsumexp = (x: Node, axes?: Axes, keepDims = false): Node => {
  const ax = resolveAxes('logsumexp', x, axes);
  const m = stopGradient(max(x, ax, true));
  const s = add(log(sum(exp(sub(x, m)), ax, true)), m);
  return keepDims ? s : reshape(s, x.shape.filter((_, i) => !ax.includes(i)));
};

const lastAxis = (x: Node, axis?: number): number => resolveAxes('argmax', x, axis ?? -1)[0];

export const argmax = (x: Node, axis?: number): Node => bind('argmax', [x], { axis: lastAxis(x, axis) });
export const argmin = (x: Node, axis?: number): Node => bind('argmin', [x], { axis: lastAxis(x, axis) });

/** Top-k along the last axis: values sorted descending, and their indices. No gradient. */
export const topk = (x: Node, k: number): { values: Node; indices: Node } => ({
  values: bind('topkValues', [x], { k }),
  indices: bind('topkIndices', [x], { k }),
});

export const cumsum = (x: Node, axis = -1, reverse = false): Node =>
  bind('cumsum', [x], { axis: resolveAxes('cumsum', x, axis)[0], reverse });

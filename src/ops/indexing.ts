import { bind } from '../primitives/bind.ts';
import type { Node } from '../ir/node.ts';
import { reshape } from './movement.ts';

/** Rows of `table` (axis 0) at integer `indices`: shape indices.shape ++ table.shape[1:]. */
export const gather = (table: Node, indices: Node): Node => bind('gather', [table, indices], {});

/** Sums rows of `data` into `numSegments` buckets by `ids` (the adjoint of gather). */
export const segmentSum = (data: Node, ids: Node, numSegments: number): Node => {
  const lead = ids.shape.length;
  const flatData = reshape(data, [-1, ...data.shape.slice(lead)]);
  return bind('segmentSum', [flatData, reshape(ids, [-1])], { numSegments });
};

export const oneHot = (indices: Node, depth: number): Node => bind('oneHot', [indices], { depth });

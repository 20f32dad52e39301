import type { Node } from '../../ir/node.ts';
import { constant } from '../../ops/index.ts';
import { BLOCKED_BIAS, groupAllows, type GroupOpts } from '../masks.ts';

/**
 * The group-causal rule for the rows of a forward range: rows are the new positions
 * [from, to), columns every position [0, to) (the cached ones first). With from = 0 it is
 * the full mask of the reference sliced to length `to`.
 */
export const passRows = (from: number, to: number, o: GroupOpts): boolean[][] =>
  Array.from({ length: to - from }, (_, i) => Array.from({ length: to }, (_, j) => groupAllows(from + i, j, o)));

/** The same as an additive bias [to - from, to]: 0 where allowed, BLOCKED_BIAS elsewhere. */
export const passBias = (from: number, to: number, o: GroupOpts): Node => {
  const T = to - from;
  const data = new Float32Array(T * to);
  for (let i = 0; i < T; i++) for (let j = 0; j < to; j++) data[i * to + j] = groupAllows(from + i, j, o) ? 0 : BLOCKED_BIAS;
  return constant(data, [T, to]);
};

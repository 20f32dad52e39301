import type { Node } from '../../ir/node.ts';
import { constant } from '../../ops/index.ts';
import { arMaskRowsOf, BLOCKED_BIAS, type GroupOpts } from '../masks.ts';
import { coveringPartition, type Partition } from '../partition.ts';

/**
 * The partition's AR mask for the rows of a forward range: rows are the new positions
 * [from, to), columns every position [0, to) (the cached ones first). With from = 0 it is
 * the full mask of the reference sliced to length `to`. DetailFlow's (g, C) is accepted as the
 * partition it names.
 */
export const passRows = (from: number, to: number, o: Partition | GroupOpts): boolean[][] =>
  arMaskRowsOf(coveringPartition(o, to), to, from);

/** The same as an additive bias [to - from, to]: 0 where allowed, BLOCKED_BIAS elsewhere. */
export const passBias = (from: number, to: number, o: Partition | GroupOpts): Node => {
  const rows = passRows(from, to, o);
  const T = to - from;
  const data = new Float32Array(T * to);
  for (let i = 0; i < T; i++) for (let j = 0; j < to; j++) data[i * to + j] = rows[i][j] ? 0 : BLOCKED_BIAS;
  return constant(data, [T, to]);
};

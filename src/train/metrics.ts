import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import { concat, reshape } from '../ops/index.ts';

/**
 * Scalar metrics packed into one vector inside the traced step, so the host reads them back in
 * one transfer per step instead of one per metric.
 */
export const packMetrics = (m: Readonly<Record<string, Node>>): Node => concat(Object.keys(m).sort().map((k) => reshape(m[k], [1])), 0);

/** The packed vector read back, by the names it was packed from. */
export const unpackMetrics = (packed: HostArray, names: readonly string[]): Record<string, number> =>
  Object.fromEntries([...names].sort().map((k, i) => [k, packed.data[i]]));

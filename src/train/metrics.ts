import type { DeviceArray } from '../compile/device-array.ts';
import type { Node } from '../ir/node.ts';
import { concat, reshape } from '../ops/index.ts';

/**
 * Scalar metrics packed into one vector inside the traced step, so the host reads them back in
 * one transfer per step instead of one per metric.
 */
export const packMetrics = (m: Readonly<Record<string, Node>>): Node => concat(Object.keys(m).sort().map((k) => reshape(m[k], [1])), 0);

export const unpackMetrics = async (packed: DeviceArray, names: readonly string[]): Promise<Record<string, number>> => {
  const data = (await packed.host()).data;
  return Object.fromEntries([...names].sort().map((k, i) => [k, data[i]]));
};

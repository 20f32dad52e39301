import { isDeviceArray, type DeviceArray } from '../compile/device-array.ts';
import { isHostArray, type HostArray } from '../ir/host-array.ts';
import { flatten, unflatten, type Tree } from '../tree/tree.ts';

/** Reads every device array of a tree back to the host (host arrays pass through). */
export const toHostTree = async (t: Tree<HostArray | DeviceArray>): Promise<Tree<HostArray>> => {
  const { leaves, def } = flatten(t, (x): x is HostArray | DeviceArray => isDeviceArray(x) || isHostArray(x), 'array');
  return unflatten(def, await Promise.all(leaves.map((l) => (isDeviceArray(l) ? l.host() : l))));
};

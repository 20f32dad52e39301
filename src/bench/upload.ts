import * as tf from '@tensorflow/tfjs-core';
import { activate, type BackendName } from '../compile/backend.ts';
import { DeviceArray } from '../compile/device-array.ts';
import { isHostArray, type HostArray } from '../ir/host-array.ts';
import { mapTree, type Tree } from '../tree/tree.ts';

/** Puts a host tree on the (already initialised) backend once, so timed steps do not re-upload it. */
export const upload = (tree: Tree<HostArray>, backend: BackendName): Tree<DeviceArray> => {
  activate(backend);
  return mapTree(isHostArray, (h: HostArray) => new DeviceArray(tf.tensor(h.data, [...h.shape], h.dtype), backend), tree);
};

import * as tf from '@tensorflow/tfjs-core';
import type { DType, HostData } from '../ir/dtype.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { BackendName } from './backend.ts';
import { DeviceArray, type DeviceBuffer } from './device-array.ts';

// the tfjs tensor behind each buffer this module made; internal to compile/
const tensors = new WeakMap<DeviceBuffer, tf.Tensor>();

/** A tfjs tensor as a device buffer: freeing it disposes the tensor. */
export const tensorBuffer = (t: tf.Tensor): DeviceBuffer => {
  const b: DeviceBuffer = {
    shape: t.shape,
    dtype: t.dtype as Exclude<DType, 'key'>,
    read: async () => {
      const raw = await t.data();
      // normalise the array type: tfjs-cpu's int32 -> float32 cast keeps an Int32Array buffer
      return t.dtype === 'bool' ? Uint8Array.from(raw as ArrayLike<number>)
        : t.dtype === 'float32' && !(raw instanceof Float32Array) ? Float32Array.from(raw as ArrayLike<number>)
        : raw as HostData;
    },
    free: () => { if (!t.isDisposed) t.dispose(); },
  };
  tensors.set(b, t);
  return b;
};

/** Wraps a tensor the executor made into a device array the caller owns. */
export const wrapTensor = (t: tf.Tensor, backend: BackendName): DeviceArray => new DeviceArray(tensorBuffer(t), backend);

/** Uploads a host array to the active backend. */
export const uploadHost = (h: HostArray, backend: BackendName): DeviceArray => wrapTensor(tf.tensor(h.data, [...h.shape], h.dtype), backend);

/** The tensor behind a device array, for the executor's own calls. */
export const tensorOf = (d: DeviceArray): tf.Tensor => {
  const t = tensors.get(d.buffer);
  if (!t) throw new Error(`this DeviceArray does not hold a tfjs tensor (made on ${d.backend} by another engine)`);
  return t;
};

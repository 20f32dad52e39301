import type * as tf from '@tensorflow/tfjs-core';
import type { DType, HostData } from '../ir/dtype.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Shape } from '../ir/shape.ts';
import type { BackendName } from './backend.ts';

/**
 * A result living on a backend. The executor creates these and the caller owns them:
 * code at the edges (training loops) releases old ones with `release`.
 */
export class DeviceArray {
  #tensor: tf.Tensor | null;
  constructor(tensor: tf.Tensor, readonly backend: BackendName) { this.#tensor = tensor; }

  get tensor(): tf.Tensor {
    if (!this.#tensor) throw new Error('this DeviceArray was released');
    return this.#tensor;
  }
  get shape(): Shape { return this.tensor.shape; }
  get dtype(): Exclude<DType, 'key'> { return this.tensor.dtype as Exclude<DType, 'key'>; }
  get released(): boolean { return this.#tensor === null; }

  async host(): Promise<HostArray> {
    const t = this.tensor;
    const raw = await t.data();
    // normalise the array type: tfjs-cpu's int32 -> float32 cast keeps an Int32Array buffer
    const data = t.dtype === 'bool' ? Uint8Array.from(raw as ArrayLike<number>)
      : t.dtype === 'float32' && !(raw instanceof Float32Array) ? Float32Array.from(raw as ArrayLike<number>)
      : raw as HostData;
    return { data, shape: [...t.shape], dtype: this.dtype };
  }

  release(): void {
    this.#tensor?.dispose();
    this.#tensor = null;
  }
}

export const isDeviceArray = (x: unknown): x is DeviceArray => x instanceof DeviceArray;

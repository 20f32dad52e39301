import type * as tf from '@tensorflow/tfjs-core';
import type { DType, HostData } from '../ir/dtype.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Shape } from '../ir/shape.ts';
import type { BackendName } from './backend.ts';

/**
 * Device memory belongs to the executor, as in JAX: a device array's tensor is freed when the
 * array is garbage-collected, when a compiled call it was donated to has run, or (at the edges,
 * to free early) by `release`. Model, trainer and sampler code never frees anything.
 */
const collected = new FinalizationRegistry<tf.Tensor>((t) => { if (!t.isDisposed) t.dispose(); });

/** A result living on a backend, created by the executor (compiled calls, devicePut). */
export class DeviceArray {
  #tensor: tf.Tensor | null;
  #freedBy = 'released';
  constructor(tensor: tf.Tensor, readonly backend: BackendName) {
    this.#tensor = tensor;
    collected.register(this, tensor, this);
  }

  get tensor(): tf.Tensor {
    if (!this.#tensor) throw new Error(`this DeviceArray was ${this.#freedBy}; keep the result of the call that consumed it instead`);
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

  /** Frees the tensor now instead of at collection (edges only); `why` words the error of a later use. */
  release(why: 'released' | 'donated to a compiled call' | 'moved to the host' = 'released'): void {
    if (!this.#tensor) return;
    collected.unregister(this);
    this.#tensor.dispose();
    this.#tensor = null;
    this.#freedBy = why;
  }
}

export const isDeviceArray = (x: unknown): x is DeviceArray => x instanceof DeviceArray;

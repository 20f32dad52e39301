import type { DType, HostData } from '../ir/dtype.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Shape } from '../ir/shape.ts';
import type { BackendName } from '../primitives/attrs.ts';

/**
 * One block of device memory as the executor sees it, whatever engine holds it (a tfjs tensor
 * today; compile/tensor-buffer.ts makes them). Kept behind this interface so that DeviceArray,
 * which the package exports, carries no engine types.
 */
export interface DeviceBuffer {
  readonly shape: Shape;
  readonly dtype: Exclude<DType, 'key'>;
  read(): Promise<HostData>;
  free(): void;
}

/**
 * Device memory belongs to the executor, as in JAX: a device array's buffer is freed when the
 * array is garbage-collected, when a compiled call it was donated to has run, when it is moved to
 * the host, or (at the edges, to free early) by `release`. Model, trainer and sampler code never
 * frees anything.
 */
const collected = new FinalizationRegistry<DeviceBuffer>((b) => b.free());

export type FreedBy = 'released' | 'donated to a compiled call' | 'moved to the host';

/** A result living on a backend, created by the executor (compiled calls, devicePut). */
export class DeviceArray {
  #buffer: DeviceBuffer | null;
  #freedBy: FreedBy = 'released';
  constructor(buffer: DeviceBuffer, readonly backend: BackendName) {
    this.#buffer = buffer;
    collected.register(this, buffer, this);
  }

  /** The buffer, for the executor; throws once the array was freed, saying how. */
  get buffer(): DeviceBuffer {
    if (!this.#buffer) throw new Error(`this DeviceArray was ${this.#freedBy}; keep the result of the call that consumed it instead`);
    return this.#buffer;
  }
  get shape(): Shape { return this.buffer.shape; }
  get dtype(): Exclude<DType, 'key'> { return this.buffer.dtype; }
  get released(): boolean { return this.#buffer === null; }

  async host(): Promise<HostArray> {
    const b = this.buffer;
    return { data: await b.read(), shape: [...b.shape], dtype: b.dtype };
  }

  /** Frees the buffer now instead of at collection (edges only); `why` words the error of a later use. */
  release(why: FreedBy = 'released'): void {
    if (!this.#buffer) return;
    collected.unregister(this);
    this.#buffer.free();
    this.#buffer = null;
    this.#freedBy = why;
  }
}

export const isDeviceArray = (x: unknown): x is DeviceArray => x instanceof DeviceArray;

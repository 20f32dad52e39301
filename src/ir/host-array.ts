import type { DType, HostData } from './dtype.ts';
import type { Shape } from './shape.ts';

/** A plain host-side array: what loaders and initialisers produce and what reading a device array returns. */
export interface HostArray {
  readonly data: HostData;
  readonly shape: Shape;
  readonly dtype: Exclude<DType, 'key'>;
}

export const hostArray = (data: HostData, shape: Shape): HostArray => ({
  data, shape: [...shape], dtype: data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'bool',
});

export const isHostArray = (x: unknown): x is HostArray =>
  typeof x === 'object' && x !== null && 'data' in x && 'shape' in x && 'dtype' in x && ArrayBuffer.isView((x as HostArray).data);

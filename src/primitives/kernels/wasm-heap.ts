import * as tf from '@tensorflow/tfjs-core';

/**
 * The little of tfjs-wasm's backend object our wasm kernels use: its float heap and where each
 * tensor's data lies in it. Reading a tensor in place avoids the copy of the whole input that
 * `readSync` makes. Every accessor answers undefined when the active backend is not tfjs-wasm
 * (or changes shape), and the kernels then fall back to tfjs.
 */
interface WasmBackendLike {
  readonly wasm?: { readonly HEAPF32?: Float32Array };
  readonly dataIdMap?: { get(id: object): { memoryOffset?: number; shape?: number[] } | undefined };
  makeOutput?(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

// tfjs types the active backend as the base KernelBackend, which has none of these; every field is optional and checked
const backend = (): WasmBackendLike => tf.backend() as unknown as WasmBackendLike;

/** A float32 tensor's data as a view of the heap (valid until the heap next grows). */
export const heapView = (t: tf.TensorInfo): Float32Array | undefined => {
  const be = backend();
  const at = be.dataIdMap?.get(t.dataId)?.memoryOffset;
  const heap = be.wasm?.HEAPF32;
  return at === undefined || !heap || t.dtype !== 'float32' ? undefined : heap.subarray(at / 4, at / 4 + t.shape.reduce((a, b) => a * b, 1));
};

/** A float32 tensor's data: in place on the heap where it lies there, else read to the host. */
export const floatsOf = (t: tf.Tensor): Float32Array => heapView(t) ?? t.dataSync() as Float32Array;

/** A new float32 tensor allocated on the heap; `view` is its data to fill, then `tensor()` hands it over. */
export const heapOutput = (shape: number[]): { readonly view: Float32Array; readonly tensor: () => tf.Tensor } | undefined => {
  const be = backend();
  if (!be.makeOutput || !be.dataIdMap || !be.wasm?.HEAPF32) return undefined;
  // allocating may grow the heap (and replace HEAPF32): read views only after this
  const info = be.makeOutput(shape, 'float32');
  const view = heapView(info);
  if (!view) return undefined;
  return { view, tensor: () => tf.engine().makeTensorFromTensorInfo(info) };
};

/** The shape a tensor's data was created with (a reshape shares the data under another shape). */
export const dataShape = (t: tf.TensorInfo): readonly number[] | undefined => backend().dataIdMap?.get(t.dataId)?.shape;

/** A new float32 output: on the heap where possible, else a host array made into a tensor at the end. */
export const newOutput = (shape: number[]): { readonly view: Float32Array; readonly tensor: () => tf.Tensor } => {
  const onHeap = heapOutput(shape);
  if (onHeap) return onHeap;
  const host = new Float32Array(shape.reduce((a, b) => a * b, 1));
  return { view: host, tensor: () => tf.tensor(host, shape) };
};

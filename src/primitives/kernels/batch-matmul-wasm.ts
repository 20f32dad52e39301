import * as tf from '@tensorflow/tfjs-core';
import { batchMatmulWasm } from './batch-matmul-wasm-bytes.ts';

/**
 * Batched matmul [nb, m, k] @ [nb, k, n] on the wasm backend through our own SIMD module
 * (batch-matmul.wat). tfjs-wasm sends only unbatched products to XNNPACK; a batched one (every
 * attention score and mix) runs a scalar loop at about 1 GFLOP/s, half of a training step's
 * time. The operands are copied into the module's memory and the product copied back: a few
 * milliseconds against tens saved. Columns are padded to a multiple of 4 for the SIMD lanes.
 */
interface Kernel {
  readonly memory: WebAssembly.Memory;
  readonly bmm: (a: number, b: number, c: number, batch: number, m: number, k: number, n4: number) => void;
}

let kernel: Kernel | undefined;

const decode = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

const instance = (): Kernel => {
  if (kernel) return kernel;
  // small enough for synchronous compilation on a browser's main thread too
  const inst = new WebAssembly.Instance(new WebAssembly.Module(decode(batchMatmulWasm)), {});
  const e = inst.exports as unknown as Kernel;
  kernel = { memory: e.memory, bmm: e.bmm };
  return kernel;
};

const PAGE = 65536;
/** Beyond this the operands stay with tfjs rather than grow the module's memory further. */
export const MAX_KERNEL_BYTES = 1 << 30;

export const kernelBytes = (nb: number, m: number, k: number, n: number): number => {
  const n4 = Math.ceil(n / 4) * 4;
  return 4 * nb * (m * k + k * n4 + m * n4);
};

/** What this module uses of tfjs-wasm's backend object: its heap and where each tensor's data lies. */
interface WasmBackendLike {
  readonly wasm?: { readonly HEAPF32?: Float32Array };
  readonly dataIdMap?: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput?(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** A tensor's floats: a view of tfjs-wasm's heap where the backend exposes it (no copy), else a copy. */
const floatsOf = (t: tf.Tensor): Float32Array => {
  const be = tf.backend() as unknown as WasmBackendLike;
  const at = be.dataIdMap?.get(t.dataId)?.memoryOffset;
  const heap = be.wasm?.HEAPF32;
  return at !== undefined && heap ? heap.subarray(at / 4, at / 4 + t.size) : t.dataSync() as Float32Array;
};

/** Copies rows of `cols` floats into rows of `stride` floats (the padding stays zero). */
const copyRows = (dst: Float32Array, at: number, src: Float32Array, rows: number, cols: number, stride: number): void => {
  if (cols === stride) { dst.set(src, at); return; }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * cols, (r + 1) * cols), at + r * stride);
};

/** A fresh output tensor written in place in tfjs-wasm's heap where possible, else through a host array. */
const outputTensor = (shape: [number, number, number]): { view: Float32Array; tensor: () => tf.Tensor } => {
  const be = tf.backend() as unknown as WasmBackendLike;
  const size = shape[0] * shape[1] * shape[2];
  if (be.makeOutput && be.dataIdMap && be.wasm?.HEAPF32) {
    const info = be.makeOutput(shape, 'float32');
    const at = be.dataIdMap.get(info.dataId)?.memoryOffset;
    // the heap may have grown (and been replaced) while allocating: read it afresh
    const heap = (tf.backend() as unknown as WasmBackendLike).wasm?.HEAPF32;
    if (at !== undefined && heap) return { view: heap.subarray(at / 4, at / 4 + size), tensor: () => tf.engine().makeTensorFromTensorInfo(info) };
  }
  const host = new Float32Array(size);
  return { view: host, tensor: () => tf.tensor3d(host, shape) };
};

/** A [nb, m, k] @ B [nb, k, n] -> [nb, m, n]; both already batched alike (the caller broadcasts). */
export const batchMatmulWasmKernel = (a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor => {
  const [nb, m, k] = a.shape;
  const n = b.shape[2];
  if (nb * m * n === 0 || k === 0) return tf.zeros([nb, m, n]);
  const n4 = Math.ceil(n / 4) * 4;
  const { memory, bmm } = instance();
  const need = kernelBytes(nb, m, k, n);
  if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE));
  const heap = new Float32Array(memory.buffer);
  const [aAt, bAt] = [0, nb * m * k];
  const cAt = bAt + nb * k * n4;
  heap.set(floatsOf(a), aAt);
  if (n4 !== n) heap.fill(0, bAt, cAt);
  copyRows(heap, bAt, floatsOf(b), nb * k, n, n4);
  bmm(4 * aAt, 4 * bAt, 4 * cAt, nb, m, k, n4);
  const result = outputTensor([nb, m, n]);
  const out = result.view;
  if (n4 === n) out.set(heap.subarray(cAt, cAt + nb * m * n));
  else for (let r = 0; r < nb * m; r++) out.set(heap.subarray(cAt + r * n4, cAt + r * n4 + n), r * n);
  return result.tensor();
};

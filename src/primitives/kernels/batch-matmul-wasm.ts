import * as tf from '@tensorflow/tfjs-core';
import { floatsOf, newOutput } from './wasm-heap.ts';
import { copyRows, MAX_KERNEL_BYTES, roundUp4, simd } from './simd-module.ts';

/**
 * Batched matmul [nb, m, k] @ [nb, k, n] on the wasm backend through our SIMD kernel. tfjs-wasm
 * sends only unbatched products to XNNPACK; a batched one (every attention score and mix) runs
 * a scalar loop at about 1 GFLOP/s, half of a training step's time. The operands are read in
 * place on tfjs-wasm's heap, copied into the kernel's memory, and the product written straight
 * into a new tensor. Columns are padded to a multiple of 4 for the SIMD lanes.
 */
const kernelBytes = (nb: number, m: number, k: number, n: number): number => {
  const n4 = roundUp4(n);
  return 4 * nb * (m * k + k * n4 + m * n4);
};

/** A [nb, m, k] @ B [nb, k, n] -> [nb, m, n]; both already batched alike (the caller broadcasts). */
export const batchMatmulWasmKernel = (a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor => {
  const [nb, m, k] = a.shape;
  const n = b.shape[2];
  if (nb * m * n === 0 || k === 0) return tf.zeros([nb, m, n]);
  if (kernelBytes(nb, m, k, n) > MAX_KERNEL_BYTES) return tf.matMul(a, b);
  const n4 = roundUp4(n);
  const kernels = simd();
  const heap = kernels.floats(kernelBytes(nb, m, k, n));
  const [aAt, bAt] = [0, nb * m * k];
  const cAt = bAt + nb * k * n4;
  heap.set(floatsOf(a), aAt);
  if (n4 !== n) heap.fill(0, bAt, cAt);
  copyRows(heap, bAt, floatsOf(b), nb * k, n, n4);
  kernels.bmm(4 * aAt, 4 * bAt, 4 * cAt, nb, m, k, n4);
  const out = newOutput([nb, m, n]);
  if (n4 === n) out.view.set(heap.subarray(cAt, cAt + nb * m * n));
  else for (let r = 0; r < nb * m; r++) out.view.set(heap.subarray(cAt + r * n4, cAt + r * n4 + n), r * n);
  return out.tensor();
};

import * as tf from '@tensorflow/tfjs-core';
import { floatsOf, newOutput } from './wasm-heap.ts';
import { copyRows, MAX_KERNEL_BYTES, roundUp4, simd } from './simd-module.ts';

/**
 * Sum over leading axes on the wasm backend with our SIMD column sum. tfjs-wasm reduces only
 * innermost axes, so a sum over the batch and sequence axes (every bias gradient, every
 * unbroadcast) first transposes the whole tensor. (A product with a row of ones through
 * XNNPACK would be quicker still, but tfjs-wasm caches XNNPACK operators by the right operand's
 * data alone, and a tensor seen there under two shapes corrupts its heap.)
 */
export const sumWasm = (x: tf.Tensor, axes: readonly number[], keepDims: boolean): tf.Tensor => {
  const sorted = [...axes].sort((a, b) => a - b);
  const leading = sorted.every((a, i) => a === i);
  const rows = x.shape.slice(0, sorted.length).reduce((a, b) => a * b, 1);
  const rest = x.shape.slice(sorted.length);
  const cols = rest.reduce((a, b) => a * b, 1);
  const cols4 = roundUp4(cols);
  const bytes = 4 * (rows + 1) * cols4;
  if (x.dtype !== 'float32' || !leading || sorted.length === 0 || sorted.length === x.rank || rows === 0 || cols === 0 || bytes > MAX_KERNEL_BYTES) {
    return tf.sum(x, [...axes], keepDims);
  }
  const kernels = simd();
  const heap = kernels.floats(bytes);
  copyRows(heap, 0, floatsOf(x), rows, cols, cols4);
  const outAt = rows * cols4;
  kernels.colsum(0, 4 * outAt, rows, cols4);
  const shape = keepDims ? [...sorted.map(() => 1), ...rest] : rest;
  const out = newOutput(shape);
  out.view.set(heap.subarray(outAt, outAt + cols));
  return out.tensor();
};

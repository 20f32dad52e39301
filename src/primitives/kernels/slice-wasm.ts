import * as tf from '@tensorflow/tfjs-core';
import { heapOutput, heapView } from './wasm-heap.ts';

/**
 * Slice on the wasm backend, reading the input in place. tfjs-wasm's Slice first copies the
 * whole input out of its heap (readSync), so a window of a conv's padded input or one third of
 * a fused q/k/v projection cost a copy of everything; here only the kept runs are copied. The
 * trailing axes that are kept whole merge into one contiguous run.
 */
export const sliceWasm = (x: tf.Tensor, begin: readonly number[], size: readonly number[]): tf.Tensor => {
  const shape = x.shape;
  const rank = shape.length;
  const out = size.map((s, i) => (s === -1 ? shape[i] - begin[i] : s));
  const total = out.reduce((a, b) => a * b, 1);
  if (x.dtype !== 'float32' || rank === 0 || total === 0) return tf.slice(x, [...begin], [...size]);
  const dst = heapOutput(out);
  const src = dst && heapView(x);
  if (!dst || !src) { if (dst) dst.tensor().dispose(); return tf.slice(x, [...begin], [...size]); }
  // the run: the last axis, extended left over every axis that is kept whole
  let axis = rank - 1;
  let run = out[axis];
  while (axis > 0 && out[axis] === shape[axis] && begin[axis] === 0) { axis--; run *= out[axis]; }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  // axes 0..axis-1 are iterated; axis contributes its begin offset to every run
  let base = 0;
  for (let i = 0; i <= axis; i++) base += begin[i] * strides[i];
  const idx = new Array<number>(axis).fill(0);
  const view = dst.view;
  for (let o = 0; o < total; o += run) {
    let at = base;
    for (let i = 0; i < axis; i++) at += idx[i] * strides[i];
    view.set(src.subarray(at, at + run), o);
    for (let i = axis - 1; i >= 0; i--) { if (++idx[i] < out[i]) break; idx[i] = 0; }
  }
  return dst.tensor();
};

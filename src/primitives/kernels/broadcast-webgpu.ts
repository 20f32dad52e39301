import * as tf from '@tensorflow/tfjs-core';

/**
 * broadcastTo on WebGPU with adjacent axes of the same role merged. tfjs-webgpu tiles tensors
 * of rank 5 or more on the CPU through a synchronous read-back, which needs OffscreenCanvas (absent
 * in Node and Deno) and stalls the GPU everywhere; the tokenizer's unpatchify and pooling
 * gradients broadcast rank-6 tensors. Merging runs of kept axes and runs of broadcast axes
 * brings most shapes to rank 4 or less; the rest are broadcast by adding zeros.
 */
export const mergeBroadcastAxes = (from: readonly number[], to: readonly number[]): { from: number[]; to: number[] } => {
  const padded = [...Array<number>(to.length - from.length).fill(1), ...from];
  const f: number[] = [];
  const t: number[] = [];
  let last: 'kept' | 'broadcast' | undefined;
  padded.forEach((d, i) => {
    if (to[i] === 1) return; // a unit axis joins any run
    const role = d === to[i] ? 'kept' : 'broadcast';
    if (role === last) { f[f.length - 1] *= d; t[t.length - 1] *= to[i]; } else { f.push(d); t.push(to[i]); last = role; }
  });
  return { from: f, to: t };
};

export const broadcastToWebGPU = (x: tf.Tensor, shape: readonly number[]): tf.Tensor => {
  if (shape.length < 5) return tf.broadcastTo(x, [...shape]);
  const m = mergeBroadcastAxes(x.shape, shape);
  if (m.to.length === 0) return tf.reshape(x, [...shape]);
  if (m.to.length < 5) return tf.reshape(tf.broadcastTo(tf.reshape(x, m.from), m.to), [...shape]);
  if (x.dtype === 'bool') return tf.cast(tf.add(tf.cast(x, 'int32'), tf.zeros([...shape], 'int32')), 'bool');
  return tf.add(x, tf.zeros([...shape], x.dtype));
};

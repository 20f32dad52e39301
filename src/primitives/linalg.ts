import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { broadcastShapes, showShape } from '../ir/shape.ts';
import type { PrimitiveDef } from './primitive.ts';
import { fail, ok, unbroadcast } from './rules.ts';
import { matmul } from '../ops/linalg.ts';
import { mT, reshape } from '../ops/movement.ts';
import { batchMatmulWasmKernel } from './kernels/batch-matmul-wasm.ts';
import { dataShape } from './kernels/wasm-heap.ts';
import { onnxBinary } from './onnx.ts';

type Batched = (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor;
type Product2D = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * tfjs-wasm caches XNNPACK operators by the right operand's data alone, so data seen there as
 * [k, n] and later under another [k', n'] (a reshape that moves the last axis) would reuse a
 * wrong-sized operator and corrupt the heap: such a right operand is copied first.
 */
const wasm2D: Product2D = (a, b) => {
  const seen = dataShape(b);
  const moved = seen !== undefined && seen.length > 0 && seen[seen.length - 1] !== b.shape[b.rank - 1];
  return tf.matMul(a, moved ? tf.mul(b, 1) : b);
};

/** The lowering, with the 2D and the rank-3 batched products as parameters. */
const matmulVia = (product: Product2D, batched: Batched, A: tf.Tensor, B: tf.Tensor, outShape: readonly number[]): tf.Tensor => {
  // tfjs batches only rank-3; fold leading batch axes and broadcast them first
  if (outShape.length === 2) return product(A, B);
  // x[..., k] @ W[k, n]: one 2D product over all leading rows (the transformer hot path)
  if (B.rank === 2) return tf.reshape(product(tf.reshape(A, [-1, A.shape[A.rank - 1]]), B), [...outShape]);
  const batch = outShape.slice(0, -2);
  const bA = tf.broadcastTo(A, [...batch, ...A.shape.slice(-2)]);
  const bB = tf.broadcastTo(B, [...batch, ...B.shape.slice(-2)]);
  const nb = batch.reduce((x, y) => x * y, 1);
  const as3 = (t: tf.Tensor, src: tf.Tensor): tf.Tensor3D => tf.reshape(t, [nb, src.shape[src.rank - 2], src.shape[src.rank - 1]]);
  const r = batched(as3(bA, A), as3(bB, B));
  return tf.reshape(r, [...outShape]);
};

export const matmulDef: PrimitiveDef<'matmul'> = {
  infer: ([a, b]) => {
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fail(`dtype: matmul needs float32 operands, got ${a.dtype} and ${b.dtype}`);
    if (a.shape.length < 2 || b.shape.length < 2) return fail('operands need rank >= 2 (reshape vectors to [1, n] or [n, 1])');
    const [m, k] = a.shape.slice(-2);
    const [k2, n] = b.shape.slice(-2);
    if (k !== k2) return fail(`inner dimensions differ: ${showShape(a.shape)} @ ${showShape(b.shape)} (${k} vs ${k2})`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    return E.isLeft(batch) ? fail(`batch dimensions: ${batch.left}`) : ok([...batch.right, m, n], 'float32');
  },
  lower: ([a, b], _, out) => matmulVia((x, y) => tf.matMul(x, y), tf.matMul, a as tf.Tensor, b as tf.Tensor, out.shape),
  // tfjs-wasm runs batched products as a scalar loop: our SIMD kernel instead
  kernels: { wasm: ([a, b], _, out) => matmulVia(wasm2D, batchMatmulWasmKernel, a as tf.Tensor, b as tf.Tensor, out.shape) },
  // ONNX's MatMul broadcasts the batch axes itself
  onnx: onnxBinary('MatMul'),
  vjp: (ct, node) => {
    const [a, b] = node.inputs;
    const ga = unbroadcast(matmul(ct, mT(b)), a.shape);
    if (b.shape.length === 2 && a.shape.length > 2) {
      const k = a.shape[a.shape.length - 1];
      const n = b.shape[1];
      const [rows, grads] = [reshape(a, [-1, k]), reshape(ct, [-1, n])];
      // A^T G, transposing whichever of the two tall operands is narrower
      return [ga, k <= n ? matmul(mT(rows), grads) : mT(matmul(mT(grads), rows))];
    }
    return [ga, unbroadcast(matmul(mT(a), ct), b.shape)];
  },
};

import * as tf from '@tensorflow/tfjs-core';
import { isValidShape, sizeOf, showShape } from '../ir/shape.ts';
import { foldIn, normalHost, uniformHost, type Key } from '../random/key.ts';
import type { PrimitiveDef } from './primitive.ts';
import { fail, ok, requireDtype } from './rules.ts';
import { hostArray, type HostArray } from '../ir/host-array.ts';

/**
 * A draw of `shape` from key k: for a shard key (see shardKey), this shard's rows of the draw of
 * the whole batch, i.e. the elements after index * n of the unsharded stream.
 */
const drawHost = (k: Key, shape: readonly number[], host: (key: Key, n: number, skip: number) => Float32Array): HostArray => {
  const n = sizeOf(shape);
  const skip = k.shard && shape.length > 0 ? k.shard.index * n : 0;
  return hostArray(host(k, n, skip), shape);
};
const draw = (k: Key, shape: readonly number[], host: (key: Key, n: number, skip: number) => Float32Array): tf.Tensor =>
  tf.tensor(drawHost(k, shape, host).data, shape as number[], 'float32');

/**
 * Random primitives take a host-side key. The numbers are generated on the host from the key
 * and uploaded, so every backend sees bit-identical streams (cross-backend agreement and
 * bit-exact resume depend on this).
 */
const keyRule = (shape: readonly number[], k: { dtype: string }) => {
  const bad = requireDtype(k as never, ['key'], 'key');
  if (bad) return fail(bad);
  return isValidShape(shape) ? ok(shape, 'float32') : fail(`invalid shape ${showShape(shape)}`);
};

export const splitKeyDef: PrimitiveDef<'splitKey'> = {
  infer: ([k], a) => {
    const bad = requireDtype(k, ['key'], 'key');
    return bad ? fail(bad) : Number.isInteger(a.index) && a.index >= 0 ? ok([], 'key') : fail(`index must be a non-negative integer, got ${a.index}`);
  },
  lower: ([k], a) => foldIn(k as Key, a.index),
  onnx: { host: ([k], a) => foldIn(k as Key, a.index) },
  vjp: null,
};

export const randomUniformDef: PrimitiveDef<'randomUniform'> = {
  infer: ([k], a) => keyRule(a.shape, k),
  lower: ([k], a) => draw(k as Key, a.shape, uniformHost),
  // drawn on the host and fed to the session, so ONNX Runtime sees the same stream
  onnx: { host: ([k], a) => drawHost(k as Key, a.shape, uniformHost) },
  vjp: null,
};

export const randomNormalDef: PrimitiveDef<'randomNormal'> = {
  infer: ([k], a) => keyRule(a.shape, k),
  lower: ([k], a) => draw(k as Key, a.shape, normalHost),
  onnx: { host: ([k], a) => drawHost(k as Key, a.shape, normalHost) },
  vjp: null,
};

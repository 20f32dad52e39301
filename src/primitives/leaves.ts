import * as tf from '@tensorflow/tfjs-core';
import type { PrimitiveDef } from './primitive.ts';
import { ok } from './rules.ts';
import { isValidShape } from '../ir/shape.ts';
import * as E from 'fp-ts/lib/Either.js';

/** Graph arguments; the executor binds them to run-time values, so `lower` is never called. */
export const input: PrimitiveDef<'input'> = {
  infer: (_, a) => (isValidShape(a.shape) ? ok(a.shape, a.dtype) : E.left(`invalid shape [${a.shape.join(', ')}]`)),
  lower: () => { throw new Error('input nodes are bound by the executor'); },
  onnx: () => { throw new Error('input nodes are bound by the ONNX compiler (graph inputs)'); },
  vjp: null,
};

/** Host data baked into the graph; uploaded once per compiled plan and kept for its lifetime. */
export const constant: PrimitiveDef<'constant'> = {
  infer: (_, a) => ok(a.shape, a.data instanceof Float32Array ? 'float32' : a.data instanceof Int32Array ? 'int32' : 'bool'),
  lower: (_, a, out) => tf.tensor(a.data, [...a.shape], out.dtype as tf.DataType),
  // an initializer of the model
  onnx: (g, _, a, out) => g.tensor(a.data, a.shape, out.dtype as 'float32' | 'int32' | 'bool'),
  vjp: null,
};

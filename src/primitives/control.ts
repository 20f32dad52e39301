import * as tf from '@tensorflow/tfjs-core';
import type { PrimitiveDef } from './primitive.ts';
import { ok } from './rules.ts';

/** Identity forward; blocks the gradient (its input gets no cotangent). */
export const stopGradientDef: PrimitiveDef<'stopGradient'> = {
  infer: ([x]) => ok(x.shape, x.dtype),
  lower: ([x]) => tf.clone(x as tf.Tensor),
  vjp: null,
};

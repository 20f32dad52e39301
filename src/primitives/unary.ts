import * as tf from '@tensorflow/tfjs-core';
import type { Node } from '../ir/node.ts';
import type { PrimitiveDef } from './primitive.ts';
import { ok, unaryRule } from './rules.ts';
import { add, cos, div, mul, neg, sigmoid, sign, sin, square, sub } from '../ops/elementwise.ts';
import { geluWebGPU } from './kernels/gelu-webgpu.ts';
import { onnxUnary, type OnnxGraph, type OnnxLowering } from './onnx.ts';

type T = tf.Tensor;
const F = ['float32'] as const;
const FI = ['float32', 'int32'] as const;

const unary = <P extends 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'tanh' | 'sigmoid' | 'abs' | 'sin' | 'cos' | 'square' | 'gelu' | 'silu' | 'sign' | 'floor'>(
  allowed: readonly ('float32' | 'int32')[],
  f: (x: T) => T,
  onnx: OnnxLowering<P>,
  vjp: ((ct: Node, x: Node, y: Node) => Node) | null,
): PrimitiveDef<P> => ({
  infer: unaryRule(allowed),
  lower: ([x]) => f(x as T),
  onnx,
  vjp: vjp && ((ct, node) => [vjp(ct, node.inputs[0], node)]),
});

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/**
 * gelu(x) = 0.5 x (1 + tanh(z)), z = sqrt(2/pi) (x + 0.044715 x^3), the tanh form, computed as
 * the identical x * sigmoid(2z) with x*x*x: tfjs-wasm's pow and tanh are 4-8x slower than its
 * mul and sigmoid.
 */
const geluTf = (x: T): T => tf.tidy(() => {
  const z2 = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), GELU_C)), 2 * SQRT_2_OVER_PI);
  return tf.mul(x, tf.sigmoid(z2));
});

/** The same x * sigmoid(2z) as ONNX nodes (opset 17 has no Gelu); ONNX Runtime fuses the elementwise chain. */
const geluOnnx = (g: OnnxGraph, [x]: readonly string[]): string => {
  const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
  const inner = g.op('Add', [x, g.op('Mul', [cube, g.scalar(GELU_C, 'float32')])]);
  return g.op('Mul', [x, g.op('Sigmoid', [g.op('Mul', [inner, g.scalar(2 * SQRT_2_OVER_PI, 'float32')])])]);
};

// d/dx x sigmoid(2z) = s + 2 x s (1 - s) z', with s = sigmoid(2z) and z' = sqrt(2/pi) (1 + 3c x^2)
const geluGrad = (ct: Node, x: Node): Node => {
  const x2 = square(x);
  const s = sigmoid(mul(add(x, mul(mul(x2, x), GELU_C)), 2 * SQRT_2_OVER_PI));
  const dz = mul(add(1, mul(x2, 3 * GELU_C)), 2 * SQRT_2_OVER_PI);
  return mul(ct, add(s, mul(mul(mul(x, s), sub(1, s)), dz)));
};

export const negDef = unary<'neg'>(FI, tf.neg, onnxUnary('Neg'), (ct) => neg(ct));
export const expDef = unary<'exp'>(F, tf.exp, onnxUnary('Exp'), (ct, _x, y) => mul(ct, y));
export const logDef = unary<'log'>(F, tf.log, onnxUnary('Log'), (ct, x) => div(ct, x));
export const sqrtDef = unary<'sqrt'>(F, tf.sqrt, onnxUnary('Sqrt'), (ct, _x, y) => div(ct, mul(y, 2)));
export const rsqrtDef = unary<'rsqrt'>(F, tf.rsqrt, (g, [x]) => g.op('Reciprocal', [g.op('Sqrt', [x])]), (ct, x, y) => mul(ct, mul(div(y, x), -0.5)));
export const tanhDef = unary<'tanh'>(F, tf.tanh, onnxUnary('Tanh'), (ct, _x, y) => mul(ct, sub(1, square(y))));
export const sigmoidDef = unary<'sigmoid'>(F, tf.sigmoid, onnxUnary('Sigmoid'), (ct, _x, y) => mul(ct, mul(y, sub(1, y))));
export const absDef = unary<'abs'>(FI, tf.abs, onnxUnary('Abs'), (ct, x) => mul(ct, sign(x)));
export const sinDef = unary<'sin'>(F, tf.sin, onnxUnary('Sin'), (ct, x) => mul(ct, cos(x)));
export const cosDef = unary<'cos'>(F, tf.cos, onnxUnary('Cos'), (ct, x) => mul(ct, neg(sin(x))));
export const squareDef = unary<'square'>(FI, tf.square, (g, [x]) => g.op('Mul', [x, x]), (ct, x) => mul(ct, mul(x, 2)));
export const signDef = unary<'sign'>(FI, tf.sign, onnxUnary('Sign'), null);
export const floorDef = unary<'floor'>(F, tf.floor, onnxUnary('Floor'), null);
export const siluDef = unary<'silu'>(F, (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x))), (g, [x]) => g.op('Mul', [x, g.op('Sigmoid', [x])]), (ct, x) => {
  const s = sigmoid(x);
  return mul(ct, mul(s, add(1, mul(x, sub(1, s)))));
});
export const geluDef: PrimitiveDef<'gelu'> = {
  ...unary<'gelu'>(F, geluTf, geluOnnx, geluGrad),
  kernels: { webgpu: ([x]) => geluWebGPU(x as T) },
};

/** Identity forward; blocks the gradient (its input gets no cotangent). */
export const stopGradientDef: PrimitiveDef<'stopGradient'> = {
  infer: ([x]) => ok(x.shape, x.dtype),
  lower: ([x]) => tf.clone(x as T),
  onnx: onnxUnary('Identity'),
  vjp: null,
};

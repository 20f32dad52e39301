import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import type { Aval } from '../ir/node.ts';
import { normalizeAxes } from '../ir/shape.ts';
import type { PrimitiveDef } from './primitive.ts';
import { fail, ok, requireDtype } from './rules.ts';
import { broadcastTo, reshape } from '../ops/movement.ts';
import { cast, div, equal, mul } from '../ops/elementwise.ts';
import { cumsum, sum } from '../ops/reduce.ts';
import { sumWasm } from './kernels/sum-wasm.ts';
import { onnxTypeCode } from './onnx.ts';

type T = tf.Tensor;

const reduceRule = (inputs: readonly Aval[], a: { axes: number[]; keepDims: boolean }): E.Either<string, Aval> => {
  const [x] = inputs;
  const bad = requireDtype(x, ['float32', 'int32']);
  if (bad) return fail(bad);
  const ax = normalizeAxes(a.axes, x.shape.length);
  if (E.isLeft(ax)) return fail(ax.left);
  const shape = a.keepDims ? x.shape.map((d, i) => (ax.right.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.right.includes(i));
  return ok(shape, x.dtype);
};

const keepShape = (inShape: readonly number[], axes: readonly number[]) => inShape.map((d, i) => (axes.includes(i) ? 1 : d));

export const sumDef: PrimitiveDef<'sum'> = {
  infer: reduceRule,
  lower: ([x], a) => (a.axes.length ? tf.sum(x as T, a.axes, a.keepDims) : tf.clone(x as T)),
  kernels: { wasm: ([x], a) => (a.axes.length ? sumWasm(x as T, a.axes, a.keepDims) : tf.clone(x as T)) },
  // no axes is the identity here; ONNX's ReduceSum would reduce them all
  onnx: (g, [x], a) => (a.axes.length ? g.op('ReduceSum', [x, g.int64s(a.axes)], { keepdims: a.keepDims ? 1 : 0 }) : g.op('Identity', [x])),
  vjp: (ct, node) => {
    const x = node.inputs[0];
    return [x.dtype === 'float32' ? broadcastTo(reshape(ct, keepShape(x.shape, node.attrs.axes)), x.shape) : null];
  },
};

export const maxDef: PrimitiveDef<'max'> = {
  infer: reduceRule,
  lower: ([x], a) => (a.axes.length ? tf.max(x as T, a.axes, a.keepDims) : tf.clone(x as T)),
  onnx: (g, [x], a) => (a.axes.length ? g.op('ReduceMax', [x], { axes: a.axes, keepdims: a.keepDims ? 1 : 0 }) : g.op('Identity', [x])),
  // ties share the cotangent equally
  vjp: (ct, node) => {
    const x = node.inputs[0];
    if (x.dtype !== 'float32') return [null];
    const ks = keepShape(x.shape, node.attrs.axes);
    const hit = cast(equal(x, reshape(node, ks)), 'float32');
    const count = sum(hit, node.attrs.axes, true);
    return [mul(div(hit, count), reshape(ct, ks))];
  },
};

const argRule = (inputs: readonly Aval[], a: { axis: number }): E.Either<string, Aval> => {
  const [x] = inputs;
  const bad = requireDtype(x, ['float32', 'int32']);
  if (bad) return fail(bad);
  if (a.axis < 0 || a.axis >= x.shape.length) return fail(`axis ${a.axis} is out of range for rank ${x.shape.length}`);
  if (x.shape[a.axis] === 0) return fail(`axis ${a.axis} is empty`);
  return ok(x.shape.filter((_, i) => i !== a.axis), 'int32');
};

// the reshape pins the rank: tfjs-webgpu returns [1] instead of a scalar for rank-1 inputs
export const argmaxDef: PrimitiveDef<'argmax'> = { infer: argRule, lower: ([x], a, out) => tf.reshape(tf.argMax(x as T, a.axis), [...out.shape]),
  onnx: (g, [x], a) => g.op('Cast', [g.op('ArgMax', [x], { axis: a.axis, keepdims: 0 })], { to: onnxTypeCode.int32 }), vjp: null };
export const argminDef: PrimitiveDef<'argmin'> = { infer: argRule, lower: ([x], a, out) => tf.reshape(tf.argMin(x as T, a.axis), [...out.shape]),
  onnx: (g, [x], a) => g.op('Cast', [g.op('ArgMin', [x], { axis: a.axis, keepdims: 0 })], { to: onnxTypeCode.int32 }), vjp: null };

const topkRule = (dtype: 'same' | 'int32') => (inputs: readonly Aval[], a: { k: number }): E.Either<string, Aval> => {
  const [x] = inputs;
  const n = x.shape[x.shape.length - 1];
  if (x.shape.length === 0) return fail('needs rank >= 1');
  if (!Number.isInteger(a.k) || a.k < 1 || a.k > n) return fail(`k must be an integer in [1, ${n}], got ${a.k}`);
  return ok([...x.shape.slice(0, -1), a.k], dtype === 'same' ? x.dtype : 'int32');
};

export const topkValuesDef: PrimitiveDef<'topkValues'> = { infer: topkRule('same'), lower: ([x], a) => tf.topk(x as T, a.k, true).values,
  onnx: (g, [x], a) => g.ops('TopK', [x, g.int64s([a.k])], 2, { axis: -1, largest: 1, sorted: 1 })[0], vjp: null };
export const topkIndicesDef: PrimitiveDef<'topkIndices'> = { infer: topkRule('int32'), lower: ([x], a) => tf.topk(x as T, a.k, true).indices,
  onnx: (g, [x], a) => g.op('Cast', [g.ops('TopK', [x, g.int64s([a.k])], 2, { axis: -1, largest: 1, sorted: 1 })[1]], { to: onnxTypeCode.int32 }), vjp: null };

export const cumsumDef: PrimitiveDef<'cumsum'> = {
  infer: ([x], a) => {
    const bad = requireDtype(x, ['float32', 'int32']);
    if (bad) return fail(bad);
    return a.axis >= 0 && a.axis < x.shape.length ? ok(x.shape, x.dtype) : fail(`axis ${a.axis} is out of range`);
  },
  lower: ([x], a) => tf.cumsum(x as T, a.axis, false, a.reverse),
  onnx: (g, [x], a) => g.op('CumSum', [x, g.scalar(a.axis, 'int64')], { exclusive: 0, reverse: a.reverse ? 1 : 0 }),
  vjp: (ct, node) => [node.dtype === 'float32' ? cumsum(ct, node.attrs.axis, !node.attrs.reverse) : null],
};

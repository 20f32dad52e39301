import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import type { Node } from '../ir/node.ts';
import { broadcastShapes } from '../ir/shape.ts';
import type { PrimitiveDef } from './primitive.ts';
import { binaryRule, fail, ok, requireDtype, unbroadcast, unaryRule } from './rules.ts';
import { cast, div, greaterEqual, less, log, mul, neg, pow, sub, where } from '../ops/elementwise.ts';
import { onnxBinary, onnxTypeCode, onnxUnary, type OnnxGraph, type OnnxLowering } from './onnx.ts';

type T = tf.Tensor;
const NUM = ['float32', 'int32'] as const;

type Arith = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
type Cmp = 'less' | 'lessEqual' | 'greater' | 'greaterEqual' | 'equal' | 'notEqual';

const arith = <P extends Arith>(f: (a: T, b: T) => T, onnx: OnnxLowering<P>, vjp: (ct: Node, a: Node, b: Node, y: Node) => [Node, Node], allowed: readonly ('float32' | 'int32')[] = NUM): PrimitiveDef<P> => ({
  infer: binaryRule(allowed),
  lower: ([a, b]) => f(a as T, b as T),
  onnx,
  vjp: (ct, node) => {
    const [a, b] = node.inputs;
    if (node.dtype !== 'float32') return [null, null];
    const [ga, gb] = vjp(ct, a, b, node);
    return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)];
  },
});

// ONNX Runtime compares numbers only: booleans are compared as 0/1 integers
const compareOnnx = (opType: string, negate = false) => (g: OnnxGraph, ins: readonly string[], _a: unknown, _o: unknown, node: Node): string => {
  const [a, b] = node.inputs[0].dtype === 'bool' ? ins.map((x) => g.op('Cast', [x], { to: onnxTypeCode.int32 })) : ins;
  const r = g.op(opType, [a, b]);
  return negate ? g.op('Not', [r]) : r;
};

const compare = <P extends Cmp>(f: (a: T, b: T) => T, onnx: OnnxLowering<P>): PrimitiveDef<P> => ({
  infer: binaryRule(['float32', 'int32', 'bool'], 'bool'),
  lower: ([a, b]) => f(a as T, b as T),
  onnx,
  vjp: null,
});

/** Integer division rounding down, as tfjs's floorDiv (ONNX's Div truncates towards zero). */
const floorDivOnnx = (g: OnnxGraph, a: string, b: string): string => {
  const q = g.op('Div', [a, b]);
  const r = g.op('Sub', [a, g.op('Mul', [q, b])]);
  const zero = g.scalar(0, 'int32');
  const off = g.op('And', [g.op('Not', [g.op('Equal', [r, zero])]), g.op('Xor', [g.op('Less', [r, zero]), g.op('Less', [b, zero])])]);
  return g.op('Sub', [q, g.op('Cast', [off], { to: onnxTypeCode.int32 })]);
};

export const addDef = arith<'add'>(tf.add, onnxBinary('Add'), (ct) => [ct, ct]);
export const subDef = arith<'sub'>(tf.sub, onnxBinary('Sub'), (ct) => [ct, neg(ct)]);
export const mulDef = arith<'mul'>(tf.mul, onnxBinary('Mul'), (ct, a, b) => [mul(ct, b), mul(ct, a)]);
export const divDef = arith<'div'>((a, b) => (a.dtype === 'int32' ? tf.floorDiv(a, b) : tf.div(a, b)),
  (g, [a, b], _, out) => (out.dtype === 'int32' ? floorDivOnnx(g, a, b) : g.op('Div', [a, b])),
  (ct, a, b) => [div(ct, b), neg(div(mul(ct, a), mul(b, b)))]);
export const powDef = arith<'pow'>(tf.pow, onnxBinary('Pow'), (ct, a, b, y) => [
  mul(ct, mul(b, pow(a, sub(b, 1)))),
  // d/db a^b = a^b log a; defined as 0 where a <= 0 (the usual convention)
  mul(ct, where(less(0, a), mul(y, log(where(less(0, a), a, 1))), 0)),
], ['float32']);
export const maximumDef = arith<'maximum'>(tf.maximum, onnxBinary('Max'), (ct, a, b) => {
  const pick = cast(greaterEqual(a, b), 'float32');
  return [mul(ct, pick), mul(ct, sub(1, pick))];
});
export const minimumDef = arith<'minimum'>(tf.minimum, onnxBinary('Min'), (ct, a, b) => {
  const pick = cast(greaterEqual(b, a), 'float32');
  return [mul(ct, pick), mul(ct, sub(1, pick))];
});

export const lessDef = compare<'less'>(tf.less, compareOnnx('Less'));
export const lessEqualDef = compare<'lessEqual'>(tf.lessEqual, compareOnnx('LessOrEqual'));
export const greaterDef = compare<'greater'>(tf.greater, compareOnnx('Greater'));
export const greaterEqualDef = compare<'greaterEqual'>(tf.greaterEqual, compareOnnx('GreaterOrEqual'));
export const equalDef = compare<'equal'>(tf.equal, compareOnnx('Equal'));
export const notEqualDef = compare<'notEqual'>(tf.notEqual, compareOnnx('Equal', true));

export const logicalAndDef: PrimitiveDef<'logicalAnd'> = { infer: binaryRule(['bool']), lower: ([a, b]) => tf.logicalAnd(a as T, b as T), onnx: onnxBinary('And'), vjp: null };
export const logicalOrDef: PrimitiveDef<'logicalOr'> = { infer: binaryRule(['bool']), lower: ([a, b]) => tf.logicalOr(a as T, b as T), onnx: onnxBinary('Or'), vjp: null };
export const logicalNotDef: PrimitiveDef<'logicalNot'> = { infer: unaryRule(['bool']), lower: ([a]) => tf.logicalNot(a as T), onnx: onnxUnary('Not'), vjp: null };

export const whereDef: PrimitiveDef<'where'> = {
  infer: ([c, a, b]) => {
    const bad = requireDtype(c, ['bool'], 'condition');
    if (bad) return fail(bad);
    if (a.dtype !== b.dtype) return fail(`dtype: branches differ (${a.dtype} vs ${b.dtype})`);
    const s = E.chain((ab: readonly number[]) => broadcastShapes(c.shape, ab))(broadcastShapes(a.shape, b.shape));
    return E.isLeft(s) ? fail(s.left) : ok(s.right, a.dtype);
  },
  // tfjs's where wants equal shapes, so broadcast explicitly first
  lower: ([c, a, b], _, out) => {
    const bc = (x: T) => (x.shape.join() === out.shape.join() ? x : tf.broadcastTo(x, [...out.shape]));
    return tf.where(bc(c as T), bc(a as T), bc(b as T));
  },
  // ONNX's Where broadcasts all three
  onnx: (g, [c, a, b]) => g.op('Where', [c, a, b]),
  vjp: (ct, node) => {
    const [c, a, b] = node.inputs;
    if (node.dtype !== 'float32') return [null, null, null];
    return [null, unbroadcast(where(c, ct, 0), a.shape), unbroadcast(where(c, 0, ct), b.shape)];
  },
};

export const castDef: PrimitiveDef<'cast'> = {
  infer: ([x], a) => (a.dtype === 'key' || x.dtype === 'key' ? fail('dtype: keys cannot be cast') : ok(x.shape, a.dtype)),
  lower: ([x], a) => tf.cast(x as T, a.dtype as tf.DataType),
  onnx: (g, [x], a) => g.op('Cast', [x], { to: onnxTypeCode[a.dtype as 'float32' | 'int32' | 'bool'] }),
  vjp: (ct, node) => [node.inputs[0].dtype === 'float32' && node.dtype === 'float32' ? ct : null],
};

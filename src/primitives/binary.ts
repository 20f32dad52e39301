import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import type { Node } from '../ir/node.ts';
import { broadcastShapes } from '../ir/shape.ts';
import type { PrimitiveDef } from './primitive.ts';
import { binaryRule, fail, ok, requireDtype, unbroadcast, unaryRule } from './rules.ts';
import { cast, div, greaterEqual, less, log, mul, neg, pow, sub, where } from '../ops/elementwise.ts';

type T = tf.Tensor;
const NUM = ['float32', 'int32'] as const;

type Arith = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
type Cmp = 'less' | 'lessEqual' | 'greater' | 'greaterEqual' | 'equal' | 'notEqual';

const arith = <P extends Arith>(f: (a: T, b: T) => T, vjp: (ct: Node, a: Node, b: Node, y: Node) => [Node, Node], allowed: readonly ('float32' | 'int32')[] = NUM): PrimitiveDef<P> => ({
  infer: binaryRule(allowed),
  lower: ([a, b]) => f(a as T, b as T),
  vjp: (ct, node) => {
    const [a, b] = node.inputs;
    if (node.dtype !== 'float32') return [null, null];
    const [ga, gb] = vjp(ct, a, b, node);
    return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)];
  },
});

const compare = <P extends Cmp>(f: (a: T, b: T) => T): PrimitiveDef<P> => ({
  infer: binaryRule(['float32', 'int32', 'bool'], 'bool'),
  lower: ([a, b]) => f(a as T, b as T),
  vjp: null,
});

export const addDef = arith<'add'>(tf.add, (ct) => [ct, ct]);
export const subDef = arith<'sub'>(tf.sub, (ct) => [ct, neg(ct)]);
export const mulDef = arith<'mul'>(tf.mul, (ct, a, b) => [mul(ct, b), mul(ct, a)]);
export const divDef = arith<'div'>((a, b) => (a.dtype === 'int32' ? tf.floorDiv(a, b) : tf.div(a, b)),
  (ct, a, b) => [div(ct, b), neg(div(mul(ct, a), mul(b, b)))]);
export const powDef = arith<'pow'>(tf.pow, (ct, a, b, y) => [
  mul(ct, mul(b, pow(a, sub(b, 1)))),
  // d/db a^b = a^b log a; defined as 0 where a <= 0 (the usual convention)
  mul(ct, where(less(0, a), mul(y, log(where(less(0, a), a, 1))), 0)),
], ['float32']);
export const maximumDef = arith<'maximum'>(tf.maximum, (ct, a, b) => {
  const pick = cast(greaterEqual(a, b), 'float32');
  return [mul(ct, pick), mul(ct, sub(1, pick))];
});
export const minimumDef = arith<'minimum'>(tf.minimum, (ct, a, b) => {
  const pick = cast(greaterEqual(b, a), 'float32');
  return [mul(ct, pick), mul(ct, sub(1, pick))];
});

export const lessDef = compare<'less'>(tf.less);
export const lessEqualDef = compare<'lessEqual'>(tf.lessEqual);
export const greaterDef = compare<'greater'>(tf.greater);
export const greaterEqualDef = compare<'greaterEqual'>(tf.greaterEqual);
export const equalDef = compare<'equal'>(tf.equal);
export const notEqualDef = compare<'notEqual'>(tf.notEqual);

export const logicalAndDef: PrimitiveDef<'logicalAnd'> = { infer: binaryRule(['bool']), lower: ([a, b]) => tf.logicalAnd(a as T, b as T), vjp: null };
export const logicalOrDef: PrimitiveDef<'logicalOr'> = { infer: binaryRule(['bool']), lower: ([a, b]) => tf.logicalOr(a as T, b as T), vjp: null };
export const logicalNotDef: PrimitiveDef<'logicalNot'> = { infer: unaryRule(['bool']), lower: ([a]) => tf.logicalNot(a as T), vjp: null };

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
  vjp: (ct, node) => {
    const [c, a, b] = node.inputs;
    if (node.dtype !== 'float32') return [null, null, null];
    return [null, unbroadcast(where(c, ct, 0), a.shape), unbroadcast(where(c, 0, ct), b.shape)];
  },
};

export const castDef: PrimitiveDef<'cast'> = {
  infer: ([x], a) => (a.dtype === 'key' || x.dtype === 'key' ? fail('dtype: keys cannot be cast') : ok(x.shape, a.dtype)),
  lower: ([x], a) => tf.cast(x as T, a.dtype as tf.DataType),
  vjp: (ct, node) => [node.inputs[0].dtype === 'float32' && node.dtype === 'float32' ? ct : null],
};

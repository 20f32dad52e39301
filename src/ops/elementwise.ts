import { bind } from '../primitives/bind.ts';
import type { DType } from '../ir/dtype.ts';
import type { Node } from '../ir/node.ts';
import { lift, type Operand } from './constants.ts';

const bin = (op: 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual' | 'equal' | 'notEqual' | 'logicalAnd' | 'logicalOr') =>
  (a: Operand, b: Operand): Node => {
    const an = typeof a === 'number' && typeof b !== 'number' ? lift(a, b) : lift(a);
    const bn = lift(b, an);
    return bind(op, [an, bn], {});
  };

export const add = bin('add');
export const sub = bin('sub');
export const mul = bin('mul');
export const div = bin('div');
export const pow = bin('pow');
export const maximum = bin('maximum');
export const minimum = bin('minimum');
export const less = bin('less');
export const lessEqual = bin('lessEqual');
export const greater = bin('greater');
export const greaterEqual = bin('greaterEqual');
export const equal = bin('equal');
export const notEqual = bin('notEqual');
export const logicalAnd = bin('logicalAnd');
export const logicalOr = bin('logicalOr');
export const logicalNot = (x: Node): Node => bind('logicalNot', [x], {});

const un = (op: 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'tanh' | 'sigmoid' | 'abs' | 'sin' | 'cos' | 'square' | 'gelu' | 'silu' | 'sign' | 'floor') =>
  (x: Node): Node => bind(op, [x], {});

export const neg = un('neg');
export const exp = un('exp');
export const log = un('log');
export const sqrt = un('sqrt');
export const rsqrt = un('rsqrt');
export const tanh = un('tanh');
export const sigmoid = un('sigmoid');
export const abs = un('abs');
export const sin = un('sin');
export const cos = un('cos');
export const square = un('square');
/** GELU, tanh approximation (as in ViTs and the reference's SigLIP blocks). */
export const gelu = un('gelu');
export const silu = un('silu');
export const sign = un('sign');
export const floor = un('floor');
export const relu = (x: Node): Node => maximum(x, 0);

/** where(cond, a, b): elementwise select with broadcasting; cond is bool. */
export const where = (cond: Node, a: Operand, b: Operand): Node => {
  const an = typeof a === 'number' && typeof b !== 'number' ? lift(a, b) : lift(a);
  return bind('where', [cond, an, lift(b, an)], {});
};

export const cast = (x: Node, dtype: DType): Node => (x.dtype === dtype ? x : bind('cast', [x], { dtype }));
export const stopGradient = (x: Node): Node => bind('stopGradient', [x], {});

/** Straight-through estimator: forward value `forward`, gradient as if it were `x`. */
export const straightThrough = (x: Node, forward: Node): Node => add(x, stopGradient(sub(forward, x)));

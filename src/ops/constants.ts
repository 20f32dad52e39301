import type { DType, HostData } from '../ir/dtype.ts';
import { bind } from '../primitives/bind.ts';
import type { Node } from '../ir/node.ts';
import { sizeOf, type Shape } from '../ir/shape.ts';
import { GraphError } from '../ir/errors.ts';

export type Operand = Node | number;


/** A constant tensor from host data; the dtype follows the array type (Uint8Array = bool). */
export const constant = (data: HostData, shape: Shape): Node => {
  if (sizeOf(shape) !== data.length) {
    throw new GraphError('shape', 'constant', `data has ${data.length} elements but shape [${shape.join(', ')}] needs ${sizeOf(shape)}`);
  }
  return bind('constant', [], { data, shape: [...shape] });
};

export const scalar = (v: number, dtype: DType = 'float32'): Node =>
  constant(dtype === 'int32' ? Int32Array.of(v) : dtype === 'bool' ? Uint8Array.of(v ? 1 : 0) : Float32Array.of(v), []);

export const full = (shape: Shape, v: number, dtype: DType = 'float32'): Node => {
  const n = sizeOf(shape);
  const data = dtype === 'int32' ? new Int32Array(n).fill(v) : dtype === 'bool' ? new Uint8Array(n).fill(v ? 1 : 0) : new Float32Array(n).fill(v);
  return constant(data, shape);
};

export const zeros = (shape: Shape, dtype: DType = 'float32'): Node => full(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = 'float32'): Node => full(shape, 1, dtype);
export const zerosLike = (x: Node): Node => zeros(x.shape, x.dtype);
export const onesLike = (x: Node): Node => ones(x.shape, x.dtype);

/** Lifts a JS number to a scalar of the other operand's dtype. */
export const lift = (x: Operand, like?: Node): Node =>
  typeof x === 'number' ? scalar(x, like && like.dtype === 'int32' && Number.isInteger(x) ? 'int32' : 'float32') : x;

/** Graph inputs are normally created by compile/trace; exposed for building graphs by hand. */
export const input = (index: number, shape: Shape, dtype: DType = 'float32', name = `arg${index}`): Node =>
  bind('input', [], { index, name, shape: [...shape], dtype });

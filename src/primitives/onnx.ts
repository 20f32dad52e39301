import type { DType, HostData } from '../ir/dtype.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Aval } from '../ir/node.ts';
import type { Key } from '../random/key.ts';
import type { Prim, PrimAttrs, PrimNode } from './attrs.ts';

/**
 * The ONNX side of a primitive. Lowerings are platform-neutral: they add NodeProtos (as plain
 * records) to a graph through this builder; compile/onnx/ turns the graph into one ModelProto per
 * input signature, and only the session runner (platform/) is Node-only.
 */

/** An attribute value: integers (one or a list), a string, or a float (wrapped, since ints are the common case). */
export type OnnxAttr = number | readonly number[] | string | { readonly float: number };
export type OnnxAttrs = Readonly<Record<string, OnnxAttr>>;

/** Element types a lowering may create constants of (int64 for shapes, axes and indices). */
export type OnnxConstType = Exclude<DType, 'key'> | 'int64';

/** ONNX's TensorProto.DataType codes for the element types we use. */
export const onnxTypeCode: Readonly<Record<OnnxConstType, number>> = { float32: 1, int32: 6, int64: 7, bool: 9 };

export interface OnnxGraph {
  /** Adds one node with one output; returns the output's name. */
  op(opType: string, inputs: readonly string[], attrs?: OnnxAttrs): string;
  /** Adds one node with `outputs` outputs; returns their names. */
  ops(opType: string, inputs: readonly string[], outputs: number, attrs?: OnnxAttrs): string[];
  /** A constant tensor (an initializer). */
  tensor(data: HostData, shape: readonly number[], dtype: Exclude<DType, 'key'>): string;
  /** A 1-D int64 constant (shapes, axes, pads, repeats). */
  int64s(values: readonly number[]): string;
  /** A scalar constant. */
  scalar(value: number, dtype: OnnxConstType): string;
}

/** Lowers one node: `inputs` are the names of its inputs' values; returns the name of its value. */
export type OnnxLowering<P extends Prim> = (g: OnnxGraph, inputs: readonly string[], attrs: Readonly<PrimAttrs[P]>, out: Aval, node: PrimNode<P>) => string;

/** A value computed on the host before each run: a PRNG key, or random numbers drawn from one. */
export type HostValue = Key | HostArray;

/**
 * Key-typed primitives and the draws made from keys are evaluated on the host and fed to the
 * session as inputs, so every backend sees the same streams.
 */
export interface OnHost<P extends Prim> {
  readonly host: (inputs: readonly HostValue[], attrs: Readonly<PrimAttrs[P]>, out: Aval) => HostValue;
}

export type OnnxRule<P extends Prim> = OnnxLowering<P> | OnHost<P>;

export const isOnHost = <P extends Prim>(r: OnnxRule<P>): r is OnHost<P> => typeof r === 'object';

/** The lowering of a one-input ONNX op applied as is. */
export const onnxUnary = (opType: string, attrs?: OnnxAttrs) => (g: OnnxGraph, [x]: readonly string[]): string => g.op(opType, [x], attrs);
/** The lowering of a two-input ONNX op applied as is (ONNX broadcasts like numpy). */
export const onnxBinary = (opType: string, attrs?: OnnxAttrs) => (g: OnnxGraph, [a, b]: readonly string[]): string => g.op(opType, [a, b], attrs);

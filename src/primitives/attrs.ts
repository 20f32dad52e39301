import type { DType, HostData } from '../ir/dtype.ts';
import type { Node } from '../ir/node.ts';

type None = Record<string, never>;

/**
 * Every primitive and its static attributes. `Prim` is derived from this record, and the
 * registry is a mapped type over it, so a primitive without a rule is a compile error.
 */
export interface PrimAttrs {
  // leaves
  input: { index: number; name: string; shape: number[]; dtype: DType };
  constant: { data: HostData; shape: number[] };
  // unary elementwise
  neg: None; exp: None; log: None; sqrt: None; rsqrt: None; tanh: None; sigmoid: None;
  abs: None; sin: None; cos: None; square: None; gelu: None; silu: None; sign: None; floor: None;
  // binary elementwise (broadcasting)
  add: None; sub: None; mul: None; div: None; pow: None; maximum: None; minimum: None;
  less: None; lessEqual: None; greater: None; greaterEqual: None; equal: None; notEqual: None;
  logicalAnd: None; logicalOr: None; logicalNot: None;
  where: None;
  cast: { dtype: DType };
  // reductions
  sum: { axes: number[]; keepDims: boolean };
  max: { axes: number[]; keepDims: boolean };
  argmax: { axis: number };
  argmin: { axis: number };
  topkValues: { k: number };
  topkIndices: { k: number };
  cumsum: { axis: number; reverse: boolean };
  // movement
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  slice: { begin: number[]; size: number[] };
  concat: { axis: number };
  pad: { paddings: [number, number][]; value: number };
  broadcastTo: { shape: number[] };
  tile: { reps: number[] };
  // linear algebra and indexing
  matmul: None;
  gather: None;
  segmentSum: { numSegments: number };
  oneHot: { depth: number };
  // autodiff control
  stopGradient: None;
  // randomness, driven by explicit host-side keys
  splitKey: { index: number };
  randomUniform: { shape: number[] };
  randomNormal: { shape: number[] };
}

export type Prim = keyof PrimAttrs;

/** A node of primitive `P`, its attrs typed by the primitive (ir/ knows only names and objects). */
export type PrimNode<P extends Prim = Prim> = Node<P, PrimAttrs[P]>;

/** The tfjs backends (webgpu, wasm, cpu): a plan runs on them op by op, and a primitive may have a custom kernel for one. */
export type TfBackendName = 'webgpu' | 'wasm' | 'cpu';

/** ONNX Runtime with its CPU engine or its WebGPU execution provider: the whole graph as one ONNX model. */
export type OnnxBackendName = 'onnx-cpu' | 'onnx-webgpu';

/** The backends a plan can run on: the tfjs ones, and the ONNX Runtime ones. */
export type BackendName = TfBackendName | OnnxBackendName;

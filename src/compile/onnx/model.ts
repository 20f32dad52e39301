import * as E from 'fp-ts/lib/Either.js';
import pkg from 'onnx-proto';
import type { DType, HostData } from '../../ir/dtype.ts';
import { GraphError } from '../../ir/errors.ts';
import type { Node } from '../../ir/node.ts';
import { describeNode } from '../../ir/print.ts';
import type { Prim, PrimNode } from '../../primitives/attrs.ts';
import { isOnHost, onnxTypeCode, type OnnxAttrs, type OnnxConstType, type OnnxGraph, type OnnxLowering } from '../../primitives/onnx.ts';
import type { PrimitiveDef } from '../../primitives/primitive.ts';
import { registry } from '../../primitives/registry.ts';
import { broadcastShapes, sameShape } from '../../ir/shape.ts';
import type { Plan, Step } from '../plan.ts';

// onnx-proto is CommonJS (protobufjs static code): its namespace comes through the default export
const { onnx } = pkg;

/** The opset the lowerings target (ScatterND's add reduction needs 16; ReduceMax still takes axes as an attribute in 17). */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

/** Where a graph input's value comes from on each run. */
export type InputSource = { readonly arg: number } | { readonly host: number };

/** A node evaluated on the host before each run (keys, and the draws made from them). */
export interface HostStep {
  readonly node: PrimNode;
  readonly slot: number;
  readonly args: readonly number[];
}

/** One plan as one ONNX model, plus what the runner does around the session. */
export interface OnnxProgram {
  readonly model: Uint8Array;
  /** Graph inputs, each fed from an argument (by position) or from a host step's slot. */
  readonly inputs: readonly { readonly name: string; readonly from: InputSource }[];
  /** Key-typed arguments: their position and their slot in the host evaluation. */
  readonly keyArgs: readonly { readonly arg: number; readonly slot: number }[];
  readonly hostSteps: readonly HostStep[];
  readonly outputs: readonly { readonly name: string; readonly shape: readonly number[]; readonly dtype: DType }[];
  /** The plan's node of every ONNX node, by the slot in its name (for error messages). */
  readonly nodeOfSlot: ReadonlyMap<number, Node>;
  readonly onnxNodeCount: number;
}

const elemType = (d: DType): number => {
  if (d === 'key') throw new Error('keys never reach the ONNX graph');
  return onnxTypeCode[d];
};

const valueInfo = (name: string, n: { readonly shape: readonly number[]; readonly dtype: DType }) => onnx.ValueInfoProto.create({
  name,
  type: { tensorType: { elemType: elemType(n.dtype), shape: { dim: n.shape.map((d) => ({ dimValue: d })) } } },
});

const bytesOf = (data: HostData | BigInt64Array): Uint8Array => new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));

const attribute = (name: string, v: OnnxAttrs[string]) => {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return onnx.AttributeProto.create({ name, type: A.INT, i: v });
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: A.INTS, ints: [...(v as number[])] });
  return onnx.AttributeProto.create({ name, type: A.FLOAT, f: (v as { float: number }).float });
};

/** Primitives lowered to one ONNX op that broadcasts its float inputs numpy-style (their rules broadcast the same way). */
const BROADCASTING = new Set<Prim>(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'where']);

/**
 * Whether a broadcastTo can hand its input on unexpanded: every reader is a broadcasting op that
 * gets the same result shape from it, so ORT never materialises the expanded tensor (VJPs of sums
 * and means make many of them).
 */
const absorbedBroadcast = (step: Step, readers: readonly Step[] | undefined, isOutput: boolean): boolean => {
  const x = step.node.inputs[0];
  if (isOutput || !readers?.length || x.dtype !== 'float32') return false;
  return readers.every((r) => BROADCASTING.has(r.node.op) && r.node.dtype !== 'int32' && r.node.inputs.every((v) => v.dtype !== 'int32')
    && sameShapeOrNone(unexpanded(r, step.out, x.shape), r.node.shape));
};

const sameShapeOrNone = (a: readonly number[] | undefined, b: readonly number[]): boolean => a !== undefined && sameShape(a, b);

/** The result shape of `r` with slot `slot` read at `shape` (undefined when it would not broadcast). */
const unexpanded = (r: Step, slot: number, shape: readonly number[]): readonly number[] | undefined => {
  let acc: readonly number[] = [];
  for (const [i, a] of r.args.entries()) {
    const b = broadcastShapes(acc, a === slot ? shape : r.node.inputs[i].shape);
    if (E.isLeft(b)) return undefined;
    acc = b.right;
  }
  return acc;
};

/** Builds the ModelProto of one plan (one input signature); `argDtypes` are the arguments' element types. */
export const buildOnnxProgram = (plan: Plan, argAvals: readonly { readonly shape: readonly number[]; readonly dtype: DType }[], name = 'detailflow'): OnnxProgram => {
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  const graphInputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  const inputs: { name: string; from: InputSource }[] = [];
  const keyArgs: { arg: number; slot: number }[] = [];
  const hostSteps: HostStep[] = [];
  const nodeOfSlot = new Map<number, Node>();
  const nameOf = new Map<number, string>();
  const avalOf = new Map<number, { readonly shape: readonly number[]; readonly dtype: DType }>();
  const hostSlots = new Set<number>();
  const nodeOutputs = new Set<string>();
  let counter = 0;
  let current = 'const';

  const initializer = (data: HostData | BigInt64Array, shape: readonly number[], type: OnnxConstType): string => {
    const n = `c${counter++}`;
    initializers.push(onnx.TensorProto.create({ name: n, dims: [...shape], dataType: onnxTypeCode[type], rawData: bytesOf(data) }));
    return n;
  };
  const g: OnnxGraph = {
    ops: (opType, ins, count, attrs = {}) => {
      const id = counter++;
      const outs = Array.from({ length: count }, (_, k) => `t${id}_${k}`);
      outs.forEach((o) => nodeOutputs.add(o));
      nodes.push(onnx.NodeProto.create({
        name: `${current}.${id}`, opType, input: [...ins], output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }));
      return outs;
    },
    op: (opType, ins, attrs) => g.ops(opType, ins, 1, attrs)[0],
    tensor: (data, shape, dtype) => initializer(data, shape, dtype),
    int64s: (values) => initializer(BigInt64Array.from(values.map((v) => BigInt(v))), [values.length], 'int64'),
    scalar: (value, dtype) => initializer(
      dtype === 'float32' ? Float32Array.of(value) : dtype === 'int32' ? Int32Array.of(value) : dtype === 'int64' ? BigInt64Array.of(BigInt(value)) : Uint8Array.of(value ? 1 : 0),
      [], dtype),
  };

  plan.inputSlots.forEach((slot, arg) => {
    if (slot === undefined) return;
    avalOf.set(slot, argAvals[arg]);
    if (argAvals[arg].dtype === 'key') {
      keyArgs.push({ arg, slot });
      hostSlots.add(slot);
      return;
    }
    const n = `in${arg}`;
    graphInputs.push(valueInfo(n, argAvals[arg]));
    inputs.push({ name: n, from: { arg } });
    nameOf.set(slot, n);
  });
  for (const c of plan.constants) {
    current = `constant#${c.slot}`;
    nodeOfSlot.set(c.slot, c.node);
    avalOf.set(c.slot, c.node);
    nameOf.set(c.slot, (registry.constant.onnx as OnnxLowering<'constant'>)(g, [], c.node.attrs as never, c.node, c.node as never));
  }
  const readers = new Map<number, Step[]>();
  for (const step of plan.steps) for (const a of new Set(step.args)) readers.set(a, [...(readers.get(a) ?? []), step]);
  const outputSlots = new Set(plan.outputSlots);
  for (const step of plan.steps) {
    const def = registry[step.node.op] as PrimitiveDef<Prim>;
    nodeOfSlot.set(step.out, step.node);
    avalOf.set(step.out, step.node);
    if (isOnHost(def.onnx)) {
      const bad = step.args.find((s) => !hostSlots.has(s));
      if (bad !== undefined) throw new GraphError('input', step.node.op, 'is evaluated on the host, so its inputs must be keys (host values)');
      hostSteps.push({ node: step.node, slot: step.out, args: step.args });
      hostSlots.add(step.out);
      if (step.node.dtype !== 'key') {
        const n = `host${step.out}`;
        graphInputs.push(valueInfo(n, step.node));
        inputs.push({ name: n, from: { host: step.out } });
        nameOf.set(step.out, n);
      }
      continue;
    }
    const args = step.args.map((s) => {
      const n = nameOf.get(s);
      if (n === undefined) throw new GraphError('input', step.node.op, `its input is a host value (a key); only the random primitives take keys (${describeNode(step.node)})`);
      return n;
    });
    if (step.node.op === 'broadcastTo' && absorbedBroadcast(step, readers.get(step.out), outputSlots.has(step.out))) {
      nameOf.set(step.out, args[0]);
      continue;
    }
    current = `${step.node.op}#${step.out}`;
    nameOf.set(step.out, def.onnx(g, args, step.node.attrs as never, step.node, step.node));
  }
  const named = new Set<string>();
  const outputs = plan.outputSlots.map((slot, j) => {
    const aval = avalOf.get(slot);
    const src = nameOf.get(slot);
    if (!aval || src === undefined) throw new GraphError('input', 'compile', `output ${j} is not an array of the graph`);
    // a node's result is the output itself; an input, a constant or a repeated output gets its
    // own Identity (each Identity is a copy of the whole array on every run)
    if (nodeOutputs.has(src) && !named.has(src)) {
      named.add(src);
      return { name: src, shape: aval.shape, dtype: aval.dtype };
    }
    const n = `out${j}`;
    nodes.push(onnx.NodeProto.create({ name: `output#${slot}.${counter++}`, opType: 'Identity', input: [src], output: [n] }));
    return { name: n, shape: aval.shape, dtype: aval.dtype };
  });
  const outputInfos = outputs.map((o) => valueInfo(o.name, o));
  const graph = onnx.GraphProto.create({ name, node: nodes, initializer: initializers, input: graphInputs, output: outputInfos });
  const model = onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: IR_VERSION, producerName: 'detailflow', opsetImport: [{ domain: '', version: ONNX_OPSET }], graph,
  })).finish();
  return { model, inputs, keyArgs, hostSteps, outputs, nodeOfSlot, onnxNodeCount: nodes.length };
};

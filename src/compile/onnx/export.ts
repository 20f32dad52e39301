/**
 * Plain ONNX files from traced functions, for any ONNX runtime (issue 16, export). A function of a
 * record of graph values is traced once at fixed shapes, lowered with the same ONNX lowerings as
 * the onnx-cpu backend (standard domain only, opset ONNX_OPSET), and its inputs and outputs are
 * renamed after their paths in the arguments and the result. Keys never reach ONNX: each random
 * draw made from a key becomes a graph input of its own, described (distribution, shape, how its
 * key derives from the key argument) so that a caller can make it (`hostInputs`). Weights baked in
 * as constants can be moved into one shared external-data file (`externalizeWeights`).
 * Platform-neutral: bytes in, bytes out; the CLI writes the files.
 */
import pkg from 'onnx-proto';
import type { DType } from '../../ir/dtype.ts';
import { GraphError } from '../../ir/errors.ts';
import { isHostArray, type HostArray } from '../../ir/host-array.ts';
import { constant, input } from '../../ops/constants.ts';
import { isNode, type Node } from '../../ir/node.ts';
import type { Prim } from '../../primitives/attrs.ts';
import type { HostValue, OnHost } from '../../primitives/onnx.ts';
import type { PrimitiveDef } from '../../primitives/primitive.ts';
import { registry } from '../../primitives/registry.ts';
import { isKey, type Key } from '../../random/key.ts';
import { flatten, mapTree, unflatten, type Tree } from '../../tree/tree.ts';
import { makePlan } from '../plan.ts';
import { buildOnnxProgram, ONNX_OPSET, type OnnxProgram } from './model.ts';

const { onnx } = pkg;

/** An argument's static type: what a leaf of the argument record stands for. */
export interface TensorSpec {
  readonly shape: readonly number[];
  readonly dtype: Exclude<DType, 'key'>;
}

/** One graph input or output of an exported file. */
export interface ExportedTensor extends TensorSpec {
  readonly name: string;
}

/** A graph input made on the host from a key argument: a random draw. */
export interface RandomInput extends ExportedTensor {
  readonly distribution: 'uniform' | 'normal';
  /** How its values are made, e.g. "uniform(foldIn(key, 0), [1, 4, 1])": detailflow's counter-based streams. */
  readonly derivation: string;
}

export interface ExportedGraph {
  readonly name: string;
  /** The ModelProto's bytes (weights inline until externalizeWeights moves them). */
  readonly model: Uint8Array;
  /** Graph inputs fed by the caller, in graph order. */
  readonly inputs: readonly ExportedTensor[];
  /** The graph inputs that are random draws (a subset of `inputs`). */
  readonly random: readonly RandomInput[];
  /** Key arguments of the traced function: they are not graph inputs; the random inputs derive from them. */
  readonly keys: readonly string[];
  readonly outputs: readonly ExportedTensor[];
  readonly nodes: number;
  /** The lowered program (host steps and input sources) behind the renamed names. */
  readonly program: OnnxProgram;
  /** Old graph input name (inK, hostS) -> exported name. */
  readonly renamed: ReadonlyMap<string, string>;
}

/** A tree path as an ONNX-friendly name: cache[0].keys -> cache_0_keys. */
export const onnxName = (path: string): string => path.replace(/\[(\d+)\]/g, '_$1').replace(/^_/, '').replace(/\./g, '_');

const isSpecLeaf = (x: unknown): x is TensorSpec | Key =>
  isKey(x) || (typeof x === 'object' && x !== null && Array.isArray((x as TensorSpec).shape) && typeof (x as TensorSpec).dtype === 'string');

/**
 * Traces `fn` at fixed shapes and lowers it to one ONNX model. `args` holds, per argument, a tree
 * of specs (shapes and dtypes) or keys; the arguments at the positions in `constants` are host
 * trees (weights) that become constants of the model, so that it is self-contained. Inputs and
 * outputs are named after their paths (the argument's position left out).
 */
export const exportGraph = <A extends unknown[], R>(
  name: string, fn: (...args: A) => R, args: { readonly [K in keyof A]: unknown }, opts: { readonly constants?: readonly number[] } = {},
): ExportedGraph => {
  const isConst = (k: number) => opts.constants?.includes(k) ?? false;
  const flat = flatten(args.map((a, k) => (isConst(k) ? [] : a)) as Tree<TensorSpec | Key>, isSpecLeaf, 'tensor spec or key');
  const avals = flat.leaves.map((l) => (isKey(l) ? { shape: [] as number[], dtype: 'key' as DType } : { shape: [...l.shape], dtype: l.dtype as DType }));
  const paths = flat.paths.map((p) => p.replace(/^\[\d+\]\.?/, ''));
  const placeholders = unflatten(flat.def, avals.map((a, i) => input(i, a.shape, a.dtype, paths[i]))) as unknown[];
  const traced = args.map((a, k) => (isConst(k) ? mapTree(isHostArray, (h: HostArray) => constant(h.data, h.shape), a as Tree<HostArray>) : placeholders[k]));
  const out = flatten(fn(...(traced as A)) as Tree<Node>, isNode, 'graph value');
  const keyOut = out.leaves.findIndex((n) => n.dtype === 'key');
  if (keyOut >= 0) throw new GraphError('input', 'exportGraph', `output ${out.paths[keyOut]} is a PRNG key; an exported graph returns arrays`);
  const plan = makePlan(out.leaves, avals.length);
  const program = buildOnnxProgram(plan, avals, name);

  // the names each value will have in the file
  const renamed = new Map<string, string>();
  const keyName = new Map<number, string>();
  program.keyArgs.forEach(({ arg, slot }) => keyName.set(slot, onnxName(paths[arg])));
  const derivation = new Map<number, string>(keyName);
  const random: RandomInput[] = [];
  const counts = new Map<string, number>();
  for (const s of program.hostSteps) {
    const src = s.args.map((a) => derivation.get(a) ?? '?');
    const a = s.node.attrs as { index?: number; shape?: readonly number[] };
    if (s.node.op === 'splitKey') derivation.set(s.slot, `foldIn(${src[0]}, ${a.index})`);
    else if (s.node.op === 'randomUniform' || s.node.op === 'randomNormal') {
      const distribution = s.node.op === 'randomUniform' ? 'uniform' : 'normal';
      const k = counts.get(distribution) ?? 0;
      counts.set(distribution, k + 1);
      const n = k === 0 ? distribution : `${distribution}_${k}`;
      const d = `${distribution}(${src[0]}, [${s.node.shape.join(', ')}])`;
      derivation.set(s.slot, d);
      renamed.set(`host${s.slot}`, n);
      random.push({ name: n, shape: s.node.shape, dtype: 'float32', distribution, derivation: d });
    } else throw new GraphError('input', s.node.op, 'export knows the host steps splitKey, randomUniform and randomNormal only');
  }
  for (const i of program.inputs) if ('arg' in i.from) renamed.set(i.name, onnxName(paths[i.from.arg]));
  const outNames = program.outputs.map((o, j) => [o.name, onnxName(out.paths[j])] as const);
  const used = new Set<string>();
  for (const n of [...renamed.values(), ...outNames.map(([, n]) => n)]) {
    if (used.has(n)) throw new GraphError('input', 'exportGraph', `two inputs or outputs would both be named ${n}`);
    used.add(n);
  }
  for (const [from, to] of outNames) renamed.set(from, to);

  const m = onnx.ModelProto.decode(program.model);
  const g = m.graph as InstanceType<typeof onnx.GraphProto>;
  const re = (s: string) => renamed.get(s) ?? s;
  for (const v of [...g.input, ...g.output]) v.name = re(v.name ?? '');
  for (const n of g.node) {
    n.input = (n.input ?? []).map(re);
    n.output = (n.output ?? []).map(re);
  }
  const model = onnx.ModelProto.encode(m).finish();
  const specOf = (name: string, shape: readonly number[], dtype: DType): ExportedTensor => ({ name, shape: [...shape], dtype: dtype as TensorSpec['dtype'] });
  const inputs = program.inputs.map((i) => {
    const a = 'arg' in i.from ? avals[i.from.arg] : program.hostSteps.find((s) => s.slot === (i.from as { host: number }).host)!.node;
    return specOf(re(i.name), a.shape, a.dtype);
  });
  return {
    name, model, inputs, random, keys: [...keyName.values()],
    outputs: program.outputs.map((o) => specOf(re(o.name), o.shape, o.dtype)),
    nodes: g.node.length, program, renamed,
  };
};

/**
 * The random inputs of an exported graph for these keys, made exactly as the library makes them
 * when it runs the same function (the values of `random`, by name).
 */
export const hostInputs = (e: ExportedGraph, keys: Readonly<Record<string, Key>>): Record<string, HostArray> => {
  const host = new Map<number, HostValue>();
  for (const [i, { slot }] of e.program.keyArgs.entries()) {
    const name = e.keys[i];
    const k = keys[name];
    if (!k) throw new GraphError('input', 'hostInputs', `no key given for ${name}`);
    host.set(slot, k);
  }
  const out: Record<string, HostArray> = {};
  for (const s of e.program.hostSteps) {
    const rule = (registry[s.node.op] as PrimitiveDef<Prim>).onnx as OnHost<Prim>;
    const v = rule.host(s.args.map((a) => host.get(a) as HostValue), s.node.attrs as never, s.node);
    host.set(s.slot, v);
    const n = e.renamed.get(`host${s.slot}`);
    if (n !== undefined) out[n] = v as HostArray;
  }
  return out;
};

/** 32-bit FNV-1a of a byte range: a cheap content key for deduplication (equality is still checked). */
const fnv = (b: Uint8Array): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i += 1) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
};

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Moves every initializer of at least `minBytes` into one external-data file shared by all the
 * models (ONNX's standard external data: location, offset, length, relative to the model's
 * folder). Equal tensors are stored once, so passes that share weights share bytes.
 */
export const externalizeWeights = (models: readonly Uint8Array[], location: string, minBytes = 1024): { models: Uint8Array[]; weights: Uint8Array; tensors: number } => {
  const chunks: Uint8Array[] = [];
  const seen = new Map<string, { offset: number; bytes: Uint8Array }[]>();
  let size = 0;
  const place = (bytes: Uint8Array): number => {
    const id = `${bytes.length}:${fnv(bytes)}`;
    const same = seen.get(id)?.find((c) => sameBytes(c.bytes, bytes));
    if (same) return same.offset;
    // 64-byte alignment, so a runtime may map the file
    const pad = (64 - (size % 64)) % 64;
    if (pad) chunks.push(new Uint8Array(pad));
    const offset = size + pad;
    chunks.push(bytes);
    size = offset + bytes.length;
    seen.set(id, [...(seen.get(id) ?? []), { offset, bytes }]);
    return offset;
  };
  const out = models.map((bytes) => {
    const m = onnx.ModelProto.decode(bytes);
    for (const t of (m.graph as InstanceType<typeof onnx.GraphProto>).initializer) {
      if (!t.rawData || t.rawData.length < minBytes) continue;
      const data = Uint8Array.from(t.rawData);
      const offset = place(data);
      t.rawData = new Uint8Array(0);
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.externalData = [{ key: 'location', value: location }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(data.length) }];
    }
    return onnx.ModelProto.encode(m).finish();
  });
  const weights = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { weights.set(c, at); at += c.length; }
  return { models: out, weights, tensors: [...seen.values()].reduce((n, l) => n + l.length, 0) };
};

export { ONNX_OPSET };

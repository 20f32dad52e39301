import * as E from 'fp-ts/lib/Either.js';
import { isHostArray, type HostArray } from '../ir/host-array.ts';
import {
  checkTensors, decodeSafetensors, encodeSafetensors, readSafetensorsHeader, SafetensorsError, type EncodeOptions, type SafetensorsHeader, type StoredTensor,
} from '../io/safetensors.ts';
import { parseJsonBounded } from '../io/json.ts';
import { capProblems } from '../io/problems.ts';
import type { ParamSpec } from '../nn/init.ts';
import { layoutProblems, type ParamLayout } from '../nn/layout.ts';
import { flatten, pathsOf, unflatten, type Tree, type TreeDef } from '../tree/tree.ts';

/** Bumped when the layout of checkpoints changes incompatibly. */
export const CHECKPOINT_FORMAT = 'detailflow-checkpoint/1';

/**
 * A checkpoint: named parameter trees (parameters, optimiser state, EMA, ...) as host arrays,
 * plus JSON metadata (configuration, training state). Stored as safetensors, tensor names
 * `<group>/<path in tree>`, readable by Python's safetensors library.
 */
export interface Checkpoint {
  readonly kind: string;
  readonly trees: Readonly<Record<string, Tree<HostArray>>>;
  readonly meta: Readonly<Record<string, unknown>>;
}

/** `floats: 'F16'` stores float weights as float16 (half the bytes); they decode to float32. */
export const encodeCheckpoint = (ck: Checkpoint, options: EncodeOptions = {}): Uint8Array => {
  const tensors: Record<string, StoredTensor> = {};
  const structure: Record<string, TreeDef> = {};
  for (const [group, tree] of Object.entries(ck.trees)) {
    const { leaves, def, paths } = flatten(tree, isHostArray, 'host array');
    structure[group] = def;
    leaves.forEach((l, i) => { tensors[`${group}/${paths[i]}`] = l; });
  }
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, kind: ck.kind, structure: JSON.stringify(structure) };
  for (const [k, v] of Object.entries(ck.meta)) metadata[k] = JSON.stringify(v);
  return encodeSafetensors(tensors, metadata, options);
};

// Metadata nesting is bounded (a 20,000-deep 'structure' would overflow the stack of the tree walks).
const parseJson = (name: string, text: string | undefined, problems: string[]): unknown => {
  if (text === undefined) { problems.push(`metadata '${name}' is missing`); return undefined; }
  const r = parseJsonBounded(text);
  if (E.isLeft(r)) { problems.push(`metadata '${name}': ${r.left}`); return undefined; }
  return r.right;
};

const isTreeDef = (u: unknown): u is TreeDef => {
  if (typeof u !== 'object' || u === null) return false;
  const d = u as { kind?: unknown; children?: unknown; keys?: unknown };
  if (d.kind === 'leaf') return true;
  if (!Array.isArray(d.children) || !d.children.every(isTreeDef)) return false;
  if (d.kind === 'array') return true;
  return d.kind === 'record' && Array.isArray(d.keys) && d.keys.length === d.children.length && d.keys.every((k) => typeof k === 'string');
};

const structureOf = (text: string | undefined, problems: string[]): Record<string, TreeDef> | undefined => {
  const u = parseJson('structure', text, problems);
  if (u === undefined) return undefined;
  if (typeof u === 'object' && u !== null && !Array.isArray(u) && Object.values(u).every(isTreeDef)) return u as Record<string, TreeDef>;
  problems.push("metadata 'structure' is not a record of parameter tree layouts");
  return undefined;
};

/** What a checkpoint's header says (kind, metadata, data size), read without copying any tensor. */
export interface CheckpointHeader {
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tensors: SafetensorsHeader['tensors'];
  readonly dataBytes: number;
  /** The bytes the tensors take once decoded (float16 stored weights widen to float32). */
  readonly decodedBytes: number;
}

/** The header of a checkpoint of the expected kind: enough to check its claims before decoding it. */
export const readCheckpointHeader = (bytes: Uint8Array, kind: string): E.Either<SafetensorsError, CheckpointHeader> => {
  const h = readSafetensorsHeader(bytes);
  if (E.isLeft(h)) return h;
  const md = h.right.metadata;
  const problems: string[] = [];
  if (md.format !== CHECKPOINT_FORMAT) problems.push(`not a detailflow checkpoint (format '${md.format ?? 'none'}', expected '${CHECKPOINT_FORMAT}')`);
  else if (md.kind !== kind) problems.push(`this is a '${md.kind}' checkpoint, expected '${kind}'`);
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(md)) if (!['format', 'kind', 'structure'].includes(k)) meta[k] = parseJson(k, v, problems);
  return problems.length ? E.left(new SafetensorsError(problems)) : E.right({ meta, tensors: h.right.tensors, dataBytes: h.right.dataBytes, decodedBytes: h.right.decodedBytes });
};

/**
 * Decodes a checkpoint of the expected kind (undefined: any kind). When `expected` trees are given (e.g. freshly
 * initialised parameters of the configured model), every tensor must be present with the same
 * shape and dtype; every mismatch is listed.
 */
export const decodeCheckpoint = (
  bytes: Uint8Array, kind: string | undefined, expected?: Readonly<Record<string, Tree<HostArray>>>,
): E.Either<SafetensorsError, Checkpoint> => {
  const decoded = decodeSafetensors(bytes);
  if (E.isLeft(decoded)) return decoded;
  const md = decoded.right.metadata;
  const problems: string[] = [];
  if (md.format !== CHECKPOINT_FORMAT) problems.push(`not a detailflow checkpoint (format '${md.format ?? 'none'}', expected '${CHECKPOINT_FORMAT}')`);
  else if (kind !== undefined && md.kind !== kind) problems.push(`this is a '${md.kind}' checkpoint, expected '${kind}'`);
  const structure = structureOf(md.structure, problems);
  if (problems.length) return E.left(new SafetensorsError(problems));
  if (expected) {
    const specs: Record<string, { shape: readonly number[]; dtype: HostArray['dtype'] }> = {};
    for (const [group, tree] of Object.entries(expected)) {
      const { leaves, paths } = flatten(tree, isHostArray, 'host array');
      leaves.forEach((l, i) => { specs[`${group}/${paths[i]}`] = { shape: l.shape, dtype: l.dtype }; });
    }
    const checked = checkTensors(decoded.right, specs);
    if (E.isLeft(checked)) return checked;
  }
  const trees: Record<string, Tree<HostArray>> = {};
  for (const [group, def] of Object.entries(structure ?? {})) {
    const paths = pathsOf(def);
    const missing = paths.filter((p) => !decoded.right.tensors[`${group}/${p}`]);
    if (missing.length) return E.left(new SafetensorsError(missing.map((p) => `missing tensor '${group}/${p}'`)));
    trees[group] = unflatten(def, paths.map((p) => decoded.right.tensors[`${group}/${p}`] as HostArray));
  }
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(md)) if (!['format', 'kind', 'structure'].includes(k)) meta[k] = parseJson(k, v, problems);
  return problems.length ? E.left(new SafetensorsError(problems)) : E.right({ kind: md.kind as string, trees, meta });
};

/** Checks decoded trees against expected ones (same paths, shapes and dtypes), listing every mismatch. */
export const checkTrees = (ck: Checkpoint, expected: Readonly<Record<string, Tree<HostArray | ParamSpec>>>): E.Either<SafetensorsError, Checkpoint> => {
  const problems = Object.entries(expected).flatMap(([group, tree]) => layoutProblems(tree, ck.trees[group], group));
  return problems.length ? E.left(new SafetensorsError(capProblems(problems))) : E.right(ck);
};

/** The layouts of a checkpoint's parameter groups, by name: T's field of each name is that group's type. */
export type Layouts<T> = { readonly [G in keyof T]: ParamLayout<T[G]> };

/**
 * A checkpoint's parameter groups as the types their layouts describe (e.g. `{ params: TokenizerParams }`),
 * checked as `checkTrees` checks them, with the same messages; groups not named are ignored.
 */
export const checkedTrees = <T extends object>(ck: Checkpoint, layouts: Layouts<T>): E.Either<SafetensorsError, T> => {
  const problems: string[] = [];
  const holdAll = (trees: Checkpoint['trees']): trees is Checkpoint['trees'] & T => {
    let ok = true;
    for (const group in layouts) ok = layouts[group].holds(trees[group], problems, group) && ok;
    return ok;
  };
  return holdAll(ck.trees) ? E.right(ck.trees) : E.left(new SafetensorsError(capProblems(problems)));
};

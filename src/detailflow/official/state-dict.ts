/**
 * An official state dict onto a project parameter tree, through a key map. Every problem is
 * listed at once: missing keys and unexpected keys with their shapes, shape mismatches with
 * both shapes and the configuration fields that imply the expected one. Tensors are loaded
 * only for kept keys, so a lazily read checkpoint never reads what is dropped.
 */
import * as E from 'fp-ts/lib/Either.js';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { KeyEntry, TreePath } from './keys.ts';

export interface SourceTensor {
  readonly shape: readonly number[];
  load(): E.Either<string, HostArray>;
}
export type TensorSource = ReadonlyMap<string, SourceTensor>;

export interface Dropped { readonly key: string; readonly shape: readonly number[]; readonly why: string }

export interface Mapped<T> {
  readonly tree: T;
  readonly kept: readonly KeyEntry[];
  readonly dropped: readonly Dropped[];
}

const show = (s: readonly number[]) => `[${s.join(', ')}]`;

/** [out, in] -> [in, out]. */
export const transpose2d = (a: HostArray): HostArray => {
  const [r, c] = a.shape;
  const src = a.data as Float32Array;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j];
  return hostArray(out, [c, r]);
};

const setPath = (root: Record<string | number, unknown>, path: TreePath, v: unknown): void => {
  let node = root;
  path.forEach((k, i) => {
    if (i === path.length - 1) { node[k] = v; return; }
    const nextIsIndex = typeof path[i + 1] === 'number';
    node[k] ??= nextIsIndex ? [] : {};
    node = node[k] as Record<string | number, unknown>;
  });
};

/** Checks the key sets and shapes, then loads the kept tensors into a tree. */
export const mapStateDict = <T>(
  entries: readonly KeyEntry[], source: TensorSource, dropRules: readonly { prefix: string; why: string }[] = [],
): E.Either<string[], Mapped<T>> => {
  const problems: string[] = [];
  const expected = new Set(entries.map((e) => e.key));
  const dropped: Dropped[] = [];
  for (const [key, t] of source) {
    if (expected.has(key)) continue;
    const rule = dropRules.find((r) => key.startsWith(r.prefix));
    if (rule) dropped.push({ key, shape: t.shape, why: rule.why });
    else problems.push(`unexpected key '${key}' ${show(t.shape)}: the configuration has no such weight`);
  }
  for (const e of entries) {
    const t = source.get(e.key);
    if (!t) problems.push(`missing key '${e.key}' (expected ${show(e.shape)} from ${e.fields})`);
    else if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
      problems.push(`shape mismatch at '${e.key}': the file has ${show(t.shape)}, the configuration implies ${show(e.shape)} (${e.fields})`);
    }
  }
  if (problems.length > 0) return E.left(problems);
  const tree: Record<string | number, unknown> = {};
  for (const e of entries) {
    const v = source.get(e.key)!.load();
    if (E.isLeft(v)) { problems.push(v.left); continue; }
    if (v.right.dtype !== 'float32') { problems.push(`'${e.key}' holds ${v.right.dtype} values, expected floats`); continue; }
    setPath(tree, e.path, e.transpose ? transpose2d(v.right) : hostArray(v.right.data, e.target));
  }
  return problems.length > 0 ? E.left(problems) : E.right({ tree: tree as T, kept: entries, dropped });
};

/**
 * A torch.save checkpoint (zip of `<root>/data.pkl` and `<root>/data/<key>` storages) as a tree
 * of plain values whose tensors are lazy: a tensor's bytes are read from its storage entry only
 * when `load` is called, so an importer that skips most of a file never reads most of it.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { ByteSource } from './byte-source.ts';
import { CheckpointError } from './errors.ts';
import { storageTypes, unpickle, type PyDict, type PyValue, type TensorRef } from './unpickle.ts';
import { openZip, type ZipArchive } from './zip.ts';

export type TorchDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const itemBytes: Readonly<Record<TorchDType, number>> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** A tensor in the file: its dtype and shape now, its values on `load` (floats as float32, integers as float64 numbers). */
export interface LazyTensor {
  readonly dtype: TorchDType;
  readonly shape: readonly number[];
  /** Little-endian bytes in row-major order (a strided view is gathered). */
  bytes(): Uint8Array;
}

export interface TorchCheckpoint {
  /** The unpickled object, tensors replaced by LazyTensor. */
  readonly root: TorchValue;
}
export type TorchValue = null | boolean | number | bigint | string | Uint8Array | TorchValue[] | Map<string | number, TorchValue> | LazyTensor | { readonly kind: string };

export const isLazyTensor = (v: unknown): v is LazyTensor =>
  typeof v === 'object' && v !== null && typeof (v as LazyTensor).bytes === 'function' && Array.isArray((v as LazyTensor).shape);

const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

const lazyTensor = (zip: ZipArchive, dataDir: string, t: TensorRef): E.Either<string, LazyTensor> => {
  const dtype = storageTypes[t.storage.type] as TorchDType;
  const size = itemBytes[dtype];
  const entry = zip.entries.get(`${dataDir}${t.storage.key}`);
  if (!entry) return E.left(`storage '${t.storage.key}' has no entry ${dataDir}${t.storage.key} in the archive`);
  if (entry.size < t.storage.numel * size) return E.left(`storage '${t.storage.key}' states ${t.storage.numel} elements but its entry holds ${entry.size} bytes`);
  const n = product(t.shape);
  // the last element the view touches must lie inside the storage
  const last = t.offset + t.shape.reduce((a, d, i) => a + (d > 0 ? (d - 1) * t.stride[i] : 0), 0);
  if (n > 0 && last >= t.storage.numel) return E.left(`a tensor of shape [${t.shape}] at offset ${t.offset} reads past its storage '${t.storage.key}' (${t.storage.numel} elements)`);
  const contiguous = t.shape.every((d, i) => d === 1 || t.stride[i] === product(t.shape.slice(i + 1)));
  const bytes = (): Uint8Array => {
    if (n === 0) return new Uint8Array(0);
    if (contiguous) return zip.readRange(entry, t.offset * size, n * size).slice();
    const span = zip.readRange(entry, t.offset * size, (last - t.offset + 1) * size);
    const out = new Uint8Array(n * size);
    const idx = new Array<number>(t.shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      const src = idx.reduce((a, k, j) => a + k * t.stride[j], 0) * size;
      out.set(span.subarray(src, src + size), i * size);
      for (let j = t.shape.length - 1; j >= 0; j--) { if (++idx[j] < t.shape[j]) break; idx[j] = 0; }
    }
    return out;
  };
  return E.right({ dtype, shape: Object.freeze([...t.shape]), bytes });
};

/** Opens a torch.save zip checkpoint and unpickles it with the restricted unpickler. */
export const readTorchCheckpoint = (src: ByteSource): E.Either<CheckpointError, TorchCheckpoint> => {
  const zipped = openZip(src);
  if (E.isLeft(zipped)) return zipped;
  const zip = zipped.right;
  const pkl = [...zip.entries.keys()].filter((k) => k.endsWith('/data.pkl') || k === 'data.pkl');
  if (pkl.length !== 1) {
    return E.left(new CheckpointError([`the archive holds ${pkl.length} data.pkl entries (a torch.save file has one); entries: ${[...zip.entries.keys()].slice(0, 8).join(', ')}`]));
  }
  const dataDir = pkl[0].slice(0, -'data.pkl'.length) + 'data/';
  const pickled = unpickle(zip.read(zip.entries.get(pkl[0])!));
  if (E.isLeft(pickled)) return pickled;
  const problems: string[] = [];
  const convert = (v: PyValue): TorchValue => {
    if (Array.isArray(v)) return v.map(convert);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, convert(x)]));
    if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && v.kind === 'tensor') {
      const t = lazyTensor(zip, dataDir, v);
      if (E.isLeft(t)) { problems.push(t.left); return null; }
      return t.right;
    }
    return v as TorchValue;
  };
  const root = convert(pickled.right);
  return problems.length > 0 ? E.left(new CheckpointError(problems)) : E.right({ root });
};

/** The state dict under `key` of a top-level dict ({"model": sd, "ema": sd}); a bare state dict when key is undefined. */
export const stateDictOf = (ckpt: TorchCheckpoint, key?: string): E.Either<CheckpointError, Map<string, LazyTensor>> => {
  const root = ckpt.root;
  if (!(root instanceof Map)) return E.left(new CheckpointError(['the checkpoint is not a dict']));
  const sd = key === undefined ? root : root.get(key);
  if (sd === undefined) {
    const keys = [...root.keys()].map(String);
    return E.left(new CheckpointError([`the checkpoint has no '${key}' key; its keys are: ${keys.slice(0, 20).join(', ')}${keys.length > 20 ? ', ...' : ''}`]));
  }
  if (!(sd instanceof Map)) return E.left(new CheckpointError([`'${key}' is not a state dict`]));
  const out = new Map<string, LazyTensor>();
  const bad: string[] = [];
  for (const [k, t] of sd) {
    if (typeof k === 'string' && isLazyTensor(t)) out.set(k, t);
    else bad.push(String(k));
  }
  if (bad.length > 0) return E.left(new CheckpointError([`'${key ?? 'state dict'}' holds entries that are not tensors: ${bad.slice(0, 10).join(', ')}`]));
  return E.right(out);
};

export type { PyDict };

/**
 * A teacher made of features computed elsewhere (e.g. SigLIP2's pooled embeddings), stored as a
 * safetensors file:
 *   features  float32 [rows, F]  row r = the features of one dataset image
 *   indices   int32 [rows]       optional: row r belongs to dataset image indices[r]; without
 *                                it row r is image r. Either way every image 0..count-1 must
 *                                have exactly one row, so a mismatched file is caught at load.
 *   __metadata__                 optional strings, kept as given; "dataset", when the caller
 *                                names one too, must match it (e.g. "fashion-mnist/train").
 * Bytes come in (no file I/O here). Batches are gathered on the host and passed to the training
 * step as an input. There are no feature maps, so with this teacher the perceptual term is off.
 */
import * as E from 'fp-ts/lib/Either.js';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import { capProblems } from '../../io/problems.ts';
import { decodeSafetensors, tryEncodeSafetensors } from '../../io/safetensors.ts';
import { TeacherError } from './errors.ts';
import type { PrecomputedTeacher } from './teacher.ts';

export interface PrecomputedOptions {
  /** The dataset's size: every image 0..count-1 needs a row. */
  readonly count: number;
  /** When given, the file's metadata "dataset" (if any) must equal it. */
  readonly dataset?: string;
  /** When given, F must equal it. */
  readonly featureDim?: number;
}

const rowTable = (count: number, rows: number, indices: Int32Array | undefined): E.Either<string[], Int32Array> => {
  if (!indices) return rows === count ? E.right(Int32Array.from({ length: count }, (_, i) => i))
    : E.left([`features has ${rows} rows but the dataset has ${count} images (without an 'indices' tensor row i is image i)`]);
  const p: string[] = [];
  if (indices.length !== rows) p.push(`indices has ${indices.length} entries for ${rows} feature rows`);
  const rowOf = new Int32Array(count).fill(-1);
  indices.forEach((i, r) => {
    if (!(i >= 0 && i < count)) p.push(`indices[${r}] = ${i} is outside the dataset's 0..${count - 1}`);
    else if (rowOf[i] !== -1) p.push(`dataset image ${i} has two rows (${rowOf[i]} and ${r})`);
    else rowOf[i] = r;
  });
  const missing = rowOf.findIndex((r) => r === -1);
  if (p.length === 0 && missing >= 0) p.push(`dataset image ${missing} has no row (${rowOf.filter((r) => r === -1).length} images missing)`);
  return p.length > 0 ? E.left(capProblems(p)) : E.right(rowOf);
};

const firstNonFinite = (data: Float32Array): number => data.findIndex((v) => !Number.isFinite(v));

/** A precomputed teacher from safetensors bytes, after checking the file against the dataset. */
export const decodePrecomputedTeacher = (bytes: Uint8Array, opts: PrecomputedOptions): E.Either<TeacherError, PrecomputedTeacher> => {
  const decoded = decodeSafetensors(bytes);
  if (E.isLeft(decoded)) return E.left(new TeacherError(decoded.left.problems));
  const { tensors, metadata } = decoded.right;
  const p: string[] = [];
  const f = Object.hasOwn(tensors, 'features') ? tensors.features : undefined;
  const ix = Object.hasOwn(tensors, 'indices') ? tensors.indices : undefined;
  if (!f) p.push(`missing tensor 'features' (float32 [count, F]); the file has ${Object.keys(tensors).map((k) => `'${k}'`).join(', ') || 'no tensors'}`);
  else if (f.dtype !== 'float32' || f.shape.length !== 2 || f.shape[1]! < 1) p.push(`'features' must be float32 [count, F] with F >= 1, got ${f.dtype} [${f.shape.join(', ')}]`);
  if (ix && (ix.dtype !== 'int32' || ix.shape.length !== 1)) p.push(`'indices' must be int32 [rows], got ${ix.dtype} [${ix.shape.join(', ')}]`);
  if (!Number.isInteger(opts.count) || opts.count < 1) p.push(`the dataset count must be a positive integer, got ${opts.count}`);
  if (opts.dataset !== undefined && metadata.dataset !== undefined && metadata.dataset !== opts.dataset) {
    p.push(`the features are for dataset '${metadata.dataset}', not '${opts.dataset}'`);
  }
  if (p.length > 0 || !f) return E.left(new TeacherError(p));
  const [rows, dim] = f.shape as [number, number];
  const data = f.data as Float32Array;
  if (opts.featureDim !== undefined && dim !== opts.featureDim) p.push(`features have F = ${dim}, expected ${opts.featureDim}`);
  const bad = firstNonFinite(data);
  if (bad >= 0) p.push(`features[${Math.floor(bad / dim)}, ${bad % dim}] is ${data[bad]} (features must be finite)`);
  const table = rowTable(opts.count, rows, ix?.data as Int32Array | undefined);
  if (E.isLeft(table)) p.push(...table.left);
  if (p.length > 0 || E.isLeft(table)) return E.left(new TeacherError(p));
  const rowOf = table.right;
  const count = opts.count;
  return E.right(Object.freeze({
    kind: 'precomputed' as const,
    featureDim: dim,
    count,
    metadata: Object.freeze({ ...metadata }),
    pooledAt: (indices: ArrayLike<number>): E.Either<TeacherError, HostArray> => {
      const out = new Float32Array(indices.length * dim);
      for (let b = 0; b < indices.length; b++) {
        const i = indices[b]!;
        if (!Number.isInteger(i) || i < 0 || i >= count) return E.left(new TeacherError([`batch entry ${b}: index ${i} is outside the dataset's 0..${count - 1}`]));
        const r = rowOf[i]!;
        out.set(data.subarray(r * dim, (r + 1) * dim), b * dim);
      }
      return E.right(hostArray(out, [indices.length, dim]));
    },
  }));
};

/** The file `decodePrecomputedTeacher` reads: row i = image i (features [count, F] float32). */
export const encodePrecomputedFeatures = (features: HostArray, metadata: Record<string, string> = {}): E.Either<TeacherError, Uint8Array> => {
  if (features.dtype !== 'float32' || features.shape.length !== 2) {
    return E.left(new TeacherError([`features must be float32 [count, F], got ${features.dtype} [${features.shape.join(', ')}]`]));
  }
  return E.mapLeft((e: { problems: readonly string[] }) => new TeacherError(e.problems))(tryEncodeSafetensors({ features }, metadata));
};

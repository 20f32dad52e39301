/**
 * Host-side pieces of data-parallel training: how many replicas a batch splits into, a shard's
 * rows, packing gradients into one vector, the all-reduce mean and the state checksum.
 */
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import { hashBytes, hashString } from '../../ir/hash.ts';
import { sizeOf, type Shape } from '../../ir/shape.ts';

export class ShardError extends Error {
  constructor(message: string) { super(message); this.name = 'ShardError'; }
}

const divisors = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

/**
 * The replica count for a global batch: the requested one, which must split the batch into equal
 * shards, or by default the largest count up to `available` that does.
 */
export const replicaCount = (requested: number | undefined, batch: number, available: number): number => {
  if (requested === undefined) return Math.max(...divisors(batch).filter((d) => d <= Math.max(1, available)));
  if (!Number.isInteger(requested) || requested < 1) throw new ShardError(`--workers must be a positive integer, got ${requested}`);
  if (batch % requested !== 0) {
    throw new ShardError(`--workers ${requested}: the batch of ${batch} does not split into ${requested} equal shards; `
      + `choose one of ${divisors(batch).join(', ')} or change the batch size`);
  }
  return requested;
};

/** Rows [index n, (index + 1) n) of an array's leading axis of count n rows. */
export const shardRows = <A extends HostArray>(a: A, index: number, count: number): HostArray => {
  const rows = a.shape[0];
  if (a.shape.length === 0 || rows % count !== 0) throw new ShardError(`cannot split an array of shape [${a.shape}] into ${count} equal shards`);
  const n = rows / count;
  const per = sizeOf(a.shape) / rows;
  return hostArray(a.data.slice(index * n * per, (index + 1) * n * per), [n, ...a.shape.slice(1)]);
};

/** Float32 leaves copied one after another into `out`, which must hold exactly them all. */
export const packInto = (leaves: readonly HostArray[], out: Float32Array): Float32Array => {
  const total = leaves.reduce((s, l) => s + l.data.length, 0);
  if (out.length !== total) throw new ShardError(`${total} floats do not fill a packed vector of ${out.length}`);
  let at = 0;
  for (const l of leaves) {
    if (l.dtype !== 'float32') throw new ShardError(`only float32 arrays can be packed, got ${l.dtype} [${l.shape}]`);
    out.set(l.data as Float32Array, at);
    at += l.data.length;
  }
  return out;
};

/** Float32 leaves copied into one vector (a fresh buffer, safe to transfer). */
export const packLeaves = (leaves: readonly HostArray[]): Float32Array =>
  packInto(leaves, new Float32Array(leaves.reduce((s, l) => s + l.data.length, 0)));

/** The inverse of packLeaves for these shapes (views into `flat`). */
export const unpackLeaves = (flat: Float32Array, shapes: readonly Shape[]): HostArray[] => {
  const total = shapes.reduce((s, sh) => s + sizeOf(sh), 0);
  if (flat.length !== total) throw new ShardError(`a packed vector of ${flat.length} floats does not fit shapes holding ${total}`);
  let at = 0;
  return shapes.map((sh) => { const n = sizeOf(sh); const a = hostArray(flat.subarray(at, at + n), sh); at += n; return a; });
};

/**
 * Elements [from, to) of the mean of equal-length vectors, written into `out`: each element summed
 * in the order given (in double precision, rounded once), so whichever replica computes a range,
 * and however the ranges are split, every replica receives the same bytes and applies the
 * identical update.
 */
export const meanInto = (vs: readonly Float32Array[], out: Float32Array, from = 0, to = out.length): Float32Array => {
  const n = out.length;
  if (vs.length === 0 || vs.some((v) => v.length !== n)) throw new ShardError(`cannot average vectors of lengths ${vs.map((v) => v.length).join(', ')} into ${n}`);
  if (!(0 <= from && from <= to && to <= n)) throw new ShardError(`the range [${from}, ${to}) is not inside a vector of ${n}`);
  const count = vs.length;
  if (count === 2) {
    // the common case, in one pass
    const [a, b] = vs as [Float32Array, Float32Array];
    for (let i = from; i < to; i++) out[i] = (a[i] + b[i]) / 2;
  } else {
    for (let i = from; i < to; i++) {
      let sum = 0;
      for (let k = 0; k < count; k++) sum += vs[k][i];
      out[i] = sum / count;
    }
  }
  return out;
};

/** The whole mean of equal-length vectors (see meanInto), in a fresh buffer. */
export const meanOf = (vs: readonly Float32Array[]): Float32Array => meanInto(vs, new Float32Array(vs[0]?.length ?? 0));

/** Part `index` of `count` near-equal ranges of n elements: [from, to). */
export const partOf = (n: number, index: number, count: number): { from: number; to: number } =>
  ({ from: Math.floor((n * index) / count), to: Math.floor((n * (index + 1)) / count) });

/** A checksum of arrays' bytes and shapes: equal for bit-identical states, different otherwise (almost surely). */
export const checksum = (leaves: readonly HostArray[]): string =>
  hashString(leaves.map((l) => `${l.shape.join('x')}:${hashBytes(l.data).toString(36)}`).join(',')).toString(36);

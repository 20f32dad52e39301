/**
 * A labelled image dataset as one immutable value: images as NCHW float32 in [-1, 1], labels as
 * class indices. The record is frozen; typed arrays cannot be frozen, so nothing here writes to
 * them after construction and callers must not either (take copies to change them).
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError } from './errors.ts';
import { decodeIdx, type Idx } from './idx.ts';

export interface Dataset {
  /** N*C*H*W values, image i at [i*C*H*W, (i+1)*C*H*W), each plane row-major. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Class names; labels index into them. */
  readonly classes: readonly string[];
}

const isPositiveInt = (n: number): boolean => Number.isInteger(n) && n >= 1;

/** Checks that the fields agree (sizes, label range) and freezes the record. */
export const makeDataset = (d: Dataset): E.Either<DataError, Dataset> => {
  const p: string[] = [];
  if (!Number.isInteger(d.count) || d.count < 0) p.push(`count must be a non-negative integer, got ${d.count}`);
  for (const k of ['channels', 'height', 'width'] as const) if (!isPositiveInt(d[k])) p.push(`${k} must be a positive integer, got ${d[k]}`);
  if (p.length === 0 && d.images.length !== d.count * d.channels * d.height * d.width) {
    p.push(`images has ${d.images.length} values, but ${d.count} images of ${d.channels}x${d.height}x${d.width} need ${d.count * d.channels * d.height * d.width}`);
  }
  if (d.labels.length !== d.count) p.push(`labels has ${d.labels.length} entries for ${d.count} images`);
  if (d.classes.length === 0) p.push('there are no class names');
  const bad = d.labels.findIndex((l) => l < 0 || l >= d.classes.length);
  if (bad >= 0) p.push(`label ${d.labels[bad]} of image ${bad} is outside 0..${d.classes.length - 1} (${d.classes.length} classes)`);
  if (p.length > 0) return E.left(new DataError(p));
  return E.right(Object.freeze({ ...d, classes: Object.freeze([...d.classes]) }));
};

/** Image i's CHW values (a view, no copy). */
export const imageAt = (ds: Dataset, i: number): Float32Array => {
  const size = ds.channels * ds.height * ds.width;
  return ds.images.subarray(i * size, (i + 1) * size);
};

/** The images at `indices`, in that order (copied). */
export const subsetDataset = (ds: Dataset, indices: ArrayLike<number>): Dataset => {
  const size = ds.channels * ds.height * ds.width;
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) throw new RangeError(`subsetDataset: index ${i} is outside 0..${ds.count - 1}`);
    images.set(imageAt(ds, i), k * size);
    labels[k] = ds.labels[i]!;
  }
  return Object.freeze({ ...ds, images, labels, count: indices.length });
};

export interface IdxOptions {
  /**
   * Pads each image, centred, to padTo x padTo (28x28 MNIST-family images to 32x32, a power of
   * two for the tokenizer's patch grid). The padding is -1, the value of MNIST-family
   * backgrounds (light on black: byte 0), so padded borders look like more background.
   */
  readonly padTo?: number;
  /** Class names; by default the labels' numbers ("0", "1", ...). */
  readonly classes?: readonly string[];
}

/**
 * A dataset from parsed IDX arrays: images u8 [N, H, W] (one channel) or [N, H, W, C], labels
 * u8 [N]. Bytes map to [-1, 1] as x / 127.5 - 1.
 */
export const fromIdx = (images: Idx, labels: Idx, options: IdxOptions = {}): E.Either<DataError, Dataset> => {
  const p: string[] = [];
  if (!(images.data instanceof Uint8Array) || (images.dims.length !== 3 && images.dims.length !== 4)) {
    p.push(`images must be u8 [N, H, W] or [N, H, W, C], got ${images.data.constructor.name} [${images.dims.join(', ')}]`);
  }
  if (!(labels.data instanceof Uint8Array || labels.data instanceof Int8Array || labels.data instanceof Int32Array) || labels.dims.length !== 1) {
    p.push(`labels must be integers [N], got ${labels.data.constructor.name} [${labels.dims.join(', ')}]`);
  }
  if (p.length > 0) return E.left(new DataError(p));
  const [n, h, w, c = 1] = images.dims as [number, number, number, number?];
  const side = options.padTo;
  if (side !== undefined && (!Number.isInteger(side) || side < Math.max(h, w))) {
    return E.left(new DataError([`padTo ${side} must be an integer no smaller than the ${h}x${w} images`]));
  }
  const [outH, outW] = side === undefined ? [h, w] : [side, side];
  const top = (outH - h) >> 1;
  const left = (outW - w) >> 1;
  const out = new Float32Array(n * c * outH * outW).fill(-1);
  const src = images.data;
  const value = Float32Array.from({ length: 256 }, (_, byte) => byte / 127.5 - 1);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const to = ((i * c + ch) * outH + top + y) * outW + left;
        const from = (i * h + y) * w * c + ch;
        for (let x = 0; x < w; x++) out[to + x] = value[src[from + x * c]!]!;
      }
    }
  }
  const labelArray = Int32Array.from(labels.data);
  const top1 = labelArray.reduce((m, l) => Math.max(m, l), 0);
  const classes = options.classes ?? Array.from({ length: top1 + 1 }, (_, k) => String(k));
  return makeDataset({ images: out, labels: labelArray, count: n, channels: c, height: outH, width: outW, classes });
};

/** fromIdx over file contents (gzip or raw), as a browser gets them from `fetch`. */
export const fromIdxBytes = async (images: Uint8Array, labels: Uint8Array, options: IdxOptions = {}): Promise<E.Either<DataError, Dataset>> => {
  const [im, lb] = await Promise.all([decodeIdx(images), decodeIdx(labels)]);
  if (E.isLeft(im) || E.isLeft(lb)) {
    const named = (what: string, r: E.Either<DataError, Idx>) => (E.isLeft(r) ? r.left.problems.map((x) => `${what}: ${x}`) : []);
    return E.left(new DataError([...named('images', im), ...named('labels', lb)]));
  }
  return fromIdx(im.right, lb.right, options);
};

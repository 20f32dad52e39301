/**
 * Data order as a pure function of resumable state. An epoch's order is a permutation drawn
 * from (key, epoch); a batch is a slice of it; a `DataCursor` {epoch, position} says where the
 * next batch starts. A run resumed from a saved cursor therefore sees exactly the batches an
 * uninterrupted run would have seen. Only full batches are made (a static batch shape keeps
 * compiled plans reusable): an epoch's last count % batchSize samples are skipped that epoch.
 */
import type { HostArray } from '../ir/host-array.ts';
import { foldIn, randInt, type Key } from '../random/key.ts';
import type { Dataset } from './dataset.ts';

/** Fisher-Yates with one key per swap: a pure function of (key, epoch). */
export const epochOrder = (key: Key, epoch: number, count: number): Int32Array => {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const k = foldIn(key, epoch);
  for (let i = count - 1; i > 0; i--) {
    const j = randInt(foldIn(k, i), i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
};

/** Whether each of the `size` samples from epoch position `start` on is flipped. */
export const flipDecisions = (flipKey: Key, start: number, size: number): boolean[] =>
  Array.from({ length: size }, (_, b) => randInt(foldIn(flipKey, start + b), 2) === 1);

/** Mirrors one CHW image left to right (its own inverse). */
export const flipHorizontal = (image: Float32Array, channels: number, height: number, width: number): Float32Array => {
  const out = new Float32Array(image.length);
  for (let r = 0; r < channels * height; r++) {
    for (let x = 0; x < width; x++) out[r * width + x] = image[r * width + width - 1 - x]!;
  }
  return out;
};

export interface Batch {
  /** float32 [B, C, H, W] */
  readonly images: HostArray & { readonly data: Float32Array };
  /** int32 [B] */
  readonly labels: HostArray & { readonly data: Int32Array };
}

export interface BatchOptions {
  /** When given, sample b is mirrored if the key says so for position start + b. */
  readonly flipKey?: Key;
}

/** The `size` samples order[start .. start + size), copied out as a batch. */
export const batchAt = (ds: Dataset, order: Int32Array, start: number, size: number, options: BatchOptions = {}): Batch => {
  if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 1 || start + size > order.length) {
    throw new RangeError(`batchAt: samples ${start}..${start + size} are not within an order of ${order.length}`);
  }
  const { channels: c, height: h, width: w } = ds;
  const n = c * h * w;
  const images = new Float32Array(size * n);
  const labels = new Int32Array(size);
  const flips = options.flipKey ? flipDecisions(options.flipKey, start, size) : [];
  for (let b = 0; b < size; b++) {
    const i = order[start + b]!;
    const image = ds.images.subarray(i * n, (i + 1) * n);
    images.set(flips[b] ? flipHorizontal(image, c, h, w) : image, b * n);
    labels[b] = ds.labels[i]!;
  }
  return Object.freeze({
    images: Object.freeze({ data: images, shape: Object.freeze([size, c, h, w]), dtype: 'float32' as const }),
    labels: Object.freeze({ data: labels, shape: Object.freeze([size]), dtype: 'int32' as const }),
  });
};

export interface DataCursor {
  readonly epoch: number;
  readonly position: number;
}

export const startCursor: DataCursor = Object.freeze({ epoch: 0, position: 0 });

const checkSizes = (batchSize: number, count: number): void => {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > count) {
    throw new RangeError(`batch size ${batchSize} must be a positive integer no larger than the dataset (${count})`);
  }
};

/** A cursor with no full batch left in its epoch moves to the start of the next. */
export const normalizeCursor = (cursor: DataCursor, batchSize: number, count: number): DataCursor => {
  checkSizes(batchSize, count);
  return cursor.position + batchSize > count ? Object.freeze({ epoch: cursor.epoch + 1, position: 0 }) : cursor;
};

/** The cursor after taking one batch at `cursor`. */
export const advance = (cursor: DataCursor, batchSize: number, count: number): DataCursor => {
  const at = normalizeCursor(cursor, batchSize, count);
  return normalizeCursor({ epoch: at.epoch, position: at.position + batchSize }, batchSize, count);
};

/** The keys one run uses: order and flips come from separate streams of the data key. */
const orderKey = (key: Key): Key => foldIn(key, 0);
export const flipKeyFor = (key: Key, epoch: number): Key => foldIn(foldIn(key, 1), epoch);

export interface StreamOptions {
  /** Random horizontal flips (default off). */
  readonly flip?: boolean;
}

/** The batch at a cursor (recomputes the epoch's order; `batches` reuses it). */
export const batchAtCursor = (ds: Dataset, key: Key, cursor: DataCursor, batchSize: number, options: StreamOptions = {}): Batch => {
  const at = normalizeCursor(cursor, batchSize, ds.count);
  const order = epochOrder(orderKey(key), at.epoch, ds.count);
  return batchAt(ds, order, at.position, batchSize, options.flip ? { flipKey: flipKeyFor(key, at.epoch) } : {});
};

/**
 * The endless stream of batches from `from` on, each with the cursor that follows it (save that
 * cursor with the step's checkpoint, and resume from it). Holds one epoch's order at a time.
 */
export function* batches(
  ds: Dataset, key: Key, from: DataCursor, batchSize: number, options: StreamOptions = {},
): Generator<{ batch: Batch; cursor: DataCursor }, never> {
  let at = normalizeCursor(from, batchSize, ds.count);
  let order = epochOrder(orderKey(key), at.epoch, ds.count);
  let orderEpoch = at.epoch;
  for (;;) {
    if (orderEpoch !== at.epoch) { order = epochOrder(orderKey(key), at.epoch, ds.count); orderEpoch = at.epoch; }
    const batch = batchAt(ds, order, at.position, batchSize, options.flip ? { flipKey: flipKeyFor(key, at.epoch) } : {});
    at = advance(at, batchSize, ds.count);
    yield { batch, cursor: at };
  }
}

/**
 * The batch of training step i, as a pure function of (key, i): epoch i / (count / B), full
 * batches only. A resumed run asks for the same steps and sees the same batches. The closure
 * keeps the current epoch's order so consecutive steps do not recompute it.
 */
export const stepBatches = (ds: Dataset, key: Key, batchSize: number, options: StreamOptions = {}) => {
  checkSizes(batchSize, ds.count);
  const perEpoch = Math.floor(ds.count / batchSize);
  let cached: { epoch: number; order: Int32Array } | undefined;
  return (step: number): Batch & { readonly indices: Int32Array } => {
    const epoch = Math.floor(step / perEpoch);
    if (cached?.epoch !== epoch) cached = { epoch, order: epochOrder(orderKey(key), epoch, ds.count) };
    const start = (step % perEpoch) * batchSize;
    const batch = batchAt(ds, cached.order, start, batchSize, options.flip ? { flipKey: flipKeyFor(key, epoch) } : {});
    return { ...batch, indices: cached.order.slice(start, start + batchSize) };
  };
};

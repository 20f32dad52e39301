/**
 * Grids of model images for looking at: float images in [-1, 1] (the model's range) become one
 * 8-bit image, ready for `encodePng`. Float images are planar (CHW), like the NCHW batches
 * they are cut from; the grid is interleaved (HWC), like PNG.
 */
import type { HostArray } from '../ir/host-array.ts';
import type { PngImage } from './png.ts';

export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  /** CHW: data[(c * height + y) * width + x], values in [-1, 1]. */
  readonly data: Float32Array;
}

/** [-1, 1] to 0..255: clamp, then round((x + 1) * 127.5). NaN reads as -1, so it shows black. */
export const toByte = (x: number): number => (x > -1 ? (x < 1 ? Math.round((x + 1) * 127.5) : 255) : 0);

/** Cuts an NCHW float32 batch (C = 1 or 3) into images that share its buffer. */
export const imagesOfBatch = (batch: HostArray): FloatImage[] => {
  const [n, c, h, w] = batch.shape;
  if (batch.shape.length !== 4 || !(batch.data instanceof Float32Array) || (c !== 1 && c !== 3)) {
    throw new RangeError(`imagesOfBatch: expected a float32 [N, 1 or 3, H, W] batch, got ${batch.dtype} [${batch.shape.join(', ')}]`);
  }
  const size = c * h! * w!;
  return Array.from({ length: n! }, (_, i) => ({
    width: w!, height: h!, channels: c, data: (batch.data as Float32Array).subarray(i * size, (i + 1) * size),
  }));
};

export interface GridOptions {
  /** Pixels between cells and around the grid (default 2). */
  readonly pad?: number;
  /** Resampling of each image into its cell; nearest neighbour keeps pixels crisp. */
  readonly upscale?: 'nearest';
  /** Cell size as a multiple of the largest image (default 1); an integer. */
  readonly scale?: number;
  /** Byte value of the padding (default 0, black). */
  readonly background?: number;
}

/**
 * Lays images out row by row, `columns` to a row. Every cell is the size of the largest image
 * times `scale`; smaller images (a coarse-to-fine sequence's early, low-resolution decodes) are
 * upscaled by nearest neighbour to fill their cell. The grid is grey when every image is grey,
 * RGB otherwise (grey images repeated into three channels).
 */
export const imageGrid = (images: readonly FloatImage[], columns: number, options: GridOptions = {}): PngImage => {
  const pad = options.pad ?? 2;
  const scale = options.scale ?? 1;
  const background = options.background ?? 0;
  if (images.length === 0) throw new RangeError('imageGrid: no images');
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`imageGrid: columns must be a positive integer, got ${columns}`);
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`imageGrid: scale must be a positive integer, got ${scale}`);
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`imageGrid: pad must be a non-negative integer, got ${pad}`);
  images.forEach((im, i) => {
    if (im.data.length !== im.width * im.height * im.channels) {
      throw new RangeError(`imageGrid: image ${i} is ${im.width}x${im.height}x${im.channels} but has ${im.data.length} values`);
    }
  });
  const cellW = Math.max(...images.map((im) => im.width)) * scale;
  const cellH = Math.max(...images.map((im) => im.height)) * scale;
  const cols = Math.min(columns, images.length);
  const rows = Math.ceil(images.length / cols);
  const channels = images.some((im) => im.channels === 3) ? 3 : 1;
  const width = cols * cellW + (cols + 1) * pad;
  const height = rows * cellH + (rows + 1) * pad;
  const data = new Uint8Array(width * height * channels).fill(background);
  images.forEach((im, i) => {
    const left = pad + (i % cols) * (cellW + pad);
    const top = pad + Math.floor(i / cols) * (cellH + pad);
    for (let y = 0; y < cellH; y++) {
      const sy = Math.floor((y * im.height) / cellH);
      for (let x = 0; x < cellW; x++) {
        const sx = Math.floor((x * im.width) / cellW);
        const at = ((top + y) * width + left + x) * channels;
        for (let c = 0; c < channels; c++) {
          const sc = im.channels === 1 ? 0 : c;
          data[at + c] = toByte(im.data[(sc * im.height + sy) * im.width + sx]!);
        }
      }
    }
  });
  return { width, height, channels, data };
};

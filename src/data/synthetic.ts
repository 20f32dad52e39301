/**
 * A synthetic labelled dataset for tests and smoke runs: smooth coloured shapes whose class is
 * the kind of shape. Image i is a pure function of (key, i) (it does not depend on the count),
 * so a small dataset is a prefix of a larger one with the same key.
 */
import { foldIn, randInt, uniformHost, type Key } from '../random/key.ts';
import type { Dataset } from './dataset.ts';

export const syntheticClasses = Object.freeze(['disc', 'square', 'stripes', 'gradient'] as const);

export interface SyntheticOptions {
  readonly count: number;
  /** Default 3; any positive count (each channel gets its own colour values). */
  readonly channels?: number;
  readonly height?: number;
  readonly width?: number;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Image i (CHW in [-1, 1]) and its label; writes into `out` when given. */
export const syntheticImage = (
  key: Key, i: number, channels: number, height: number, width: number,
  out = new Float32Array(channels * height * width),
): { label: number; data: Float32Array } => {
  const k = foldIn(key, i);
  const label = randInt(foldIn(k, 0), syntheticClasses.length);
  const u = uniformHost(foldIn(k, 1), 6 + 2 * channels);
  const side = Math.min(height, width);
  const cx = (0.3 + 0.4 * u[0]!) * width;
  const cy = (0.3 + 0.4 * u[1]!) * height;
  const r = (0.15 + 0.2 * u[2]!) * side;
  const angle = Math.PI * u[3]!;
  const period = 3 + 5 * u[4]!;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  // coverage of the foreground colour at a pixel centre, with a one-pixel soft edge
  const coverage = (x: number, y: number): number => {
    const dx = x - cx;
    const dy = y - cy;
    switch (label) {
      case 0: return clamp(r - Math.hypot(dx, dy) + 0.5, 0, 1);
      case 1: return clamp(r - Math.max(Math.abs(dx), Math.abs(dy)) + 0.5, 0, 1);
      case 2: return 0.5 + 0.5 * Math.sin((2 * Math.PI * (x * cos + y * sin)) / period);
      default: return clamp((dx * cos + dy * sin) / side + 0.5, 0, 1);
    }
  };
  for (let c = 0; c < channels; c++) {
    const fg = -0.2 + 1.2 * u[6 + c]!;
    const bg = -1 + 0.6 * u[6 + channels + c]!;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        out[(c * height + y) * width + x] = clamp(bg + coverage(x + 0.5, y + 0.5) * (fg - bg), -1, 1);
      }
    }
  }
  return { label, data: out };
};

export const syntheticDataset = (key: Key, options: SyntheticOptions): Dataset => {
  const { count, channels = 3, height = 32, width = 32 } = options;
  for (const [k, v] of Object.entries({ channels, height, width })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`syntheticDataset: ${k} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`syntheticDataset: count must be a non-negative integer, got ${count}`);
  const size = channels * height * width;
  const images = new Float32Array(count * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = syntheticImage(key, i, channels, height, width, images.subarray(i * size, (i + 1) * size)).label;
  }
  return Object.freeze({ images, labels, count, channels, height, width, classes: syntheticClasses });
};

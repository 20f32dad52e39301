import { hostArray } from '../../ir/host-array.ts';
import type { BackendName } from '../../compile/backend.ts';
import type { PngImage } from '../../io/png.ts';
import { imageGrid, type FloatImage } from '../../io/image-grid.ts';
import type { Tokenizer } from './model.ts';
import { reconstructor, type PrefixResult } from './reconstruct.ts';

/**
 * The coarse-to-fine picture of a tokenizer: one row per image, one column per pass-plan prefix t
 * (decoded at dec(t), shown nearest-upscaled), then the original. `images` holds at least `count`
 * CHW images in [-1, 1]. With `batch`, they are encoded and decoded that many at a time
 * (`onBatch` says how many are done, for progress); by default all at once.
 */
export const reconstructionGrid = async (
  tk: Tokenizer, backend: BackendName, params: unknown, images: Float32Array, count: number,
  opts: { readonly batch?: number; readonly onBatch?: (done: number) => void } = {},
): Promise<PngImage> => {
  const c = tk.config;
  const per = c.channels * c.size * c.size;
  const batch = opts.batch ?? count;
  const rec = reconstructor(tk, backend);
  const parts: PrefixResult[][] = [];
  for (let s = 0; s < count; s += batch) {
    const b = Math.min(batch, count - s);
    parts.push((await rec.decodePrefixes(params, hostArray(images.slice(s * per, (s + b) * per), [b, c.channels, c.size, c.size]))).prefixes);
    opts.onBatch?.(s + b);
  }
  // the batches' decodes, joined per prefix into [count, C, side, side]
  const joined = parts.length === 1 ? parts[0]! : parts[0]!.map((first, j) => {
    const data = new Float32Array(count * c.channels * first.side * first.side);
    let at = 0;
    for (const part of parts) { data.set(part[j]!.images.data as Float32Array, at); at += part[j]!.images.data.length; }
    return { ...first, images: hostArray(data, [count, c.channels, first.side, first.side]) };
  });
  return prefixGrid(tk, joined, images, count);
};

/** The grid of reconstructionGrid from prefixes already decoded (decodePrefixes of the first `count` images). */
export const prefixGrid = (tk: Tokenizer, prefixes: readonly PrefixResult[], images: Float32Array, count: number): PngImage => {
  const c = tk.config;
  const ch = c.channels === 3 ? 3 : 1;
  const cells: FloatImage[] = [];
  for (let i = 0; i < count; i++) {
    for (const r of prefixes) {
      const n = c.channels * r.side * r.side;
      cells.push({ width: r.side, height: r.side, channels: ch, data: (r.images.data as Float32Array).subarray(i * n, (i + 1) * n) });
    }
    const n = c.channels * c.size * c.size;
    cells.push({ width: c.size, height: c.size, channels: ch, data: images.subarray(i * n, (i + 1) * n) });
  }
  return imageGrid(cells, prefixes.length + 1, { pad: 2, upscale: 'nearest', scale: 2 });
};

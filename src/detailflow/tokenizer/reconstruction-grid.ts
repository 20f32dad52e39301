import { hostArray } from '../../ir/host-array.ts';
import type { BackendName } from '../../compile/backend.ts';
import type { PngImage } from '../../io/png.ts';
import { imageGrid, type FloatImage } from '../../io/image-grid.ts';
import type { Tokenizer } from './model.ts';
import { reconstructor, type PrefixResult } from './reconstruct.ts';

/**
 * The coarse-to-fine picture of a tokenizer: one row per image, one column per pass-plan prefix t
 * (decoded at dec(t), shown nearest-upscaled), then the original. `images` holds at least `count`
 * CHW images in [-1, 1].
 */
export const reconstructionGrid = async (tk: Tokenizer, backend: BackendName, params: unknown, images: Float32Array, count: number): Promise<PngImage> => {
  const c = tk.config;
  const x = hostArray(images.slice(0, count * c.channels * c.size * c.size), [count, c.channels, c.size, c.size]);
  const results = await reconstructor(tk, backend).decodePrefixes(params, x);
  return prefixGrid(tk, results.prefixes, images, count);
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

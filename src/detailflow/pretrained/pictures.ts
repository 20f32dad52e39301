/** The pictures of a generation: the sample grid and the coarse-to-fine strip (one row per sample, one column per pass). */
import { imageGrid } from '../../io/image-grid.ts';
import type { PngImage } from '../../io/png.ts';
import type { Generation } from './generator.ts';

/** The final images, `columns` to a row (e.g. the samples per class, so that each row is one class). */
export const sampleGrid = (g: Generation, columns: number, scale = 2): PngImage => imageGrid(g.images, columns, { scale });

/**
 * One row per sample (all of them, or the given ones): the image after every pass, each prefix
 * decoded at dec(t) and nearest-upscaled.
 */
export const progressiveStrip = (g: Generation, scale = 2, rows: readonly number[] = g.images.map((_, i) => i)): PngImage => {
  if (g.frames.length === 0) throw new RangeError('progressiveStrip: the generation has no frames (generate with progressive: true)');
  const bad = rows.filter((i) => !(Number.isInteger(i) && i >= 0 && i < g.images.length));
  if (bad.length) throw new RangeError(`progressiveStrip: rows ${bad.join(', ')} are not samples of this generation (0..${g.images.length - 1})`);
  const cells = rows.flatMap((i) => g.frames.map((f) => f.images[i]!));
  return imageGrid(cells, g.frames.length, { scale, upscale: 'nearest' });
};

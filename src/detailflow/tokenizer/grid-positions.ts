import { hostArray, type HostArray } from '../../ir/host-array.ts';

/**
 * Fixed 2D sine-cosine position embeddings for a side x side grid, on normalised coordinates
 * (cell centres in [0, 1]). The decoder's output grid changes with the prefix length t, and
 * normalised coordinates give the same image location the same embedding at every grid size,
 * without resampling a learned grid (the reference bilinearly resizes a learned 16x16 grid).
 * Half of the width encodes rows, half columns; each half is sin and cos over geometric
 * frequencies.
 */
export const gridPositions = (side: number, width: number): HostArray => {
  if (width % 4 !== 0) throw new RangeError(`gridPositions: width ${width} must be a multiple of 4`);
  const quarter = width / 4;
  const out = new Float32Array(side * side * width);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const base = (r * side + c) * width;
      const pr = ((r + 0.5) / side) * Math.PI * 8;
      const pc = ((c + 0.5) / side) * Math.PI * 8;
      for (let k = 0; k < quarter; k++) {
        const f = 1 / 2 ** (k * (6 / quarter)); // periods from 1/4 of the image up to ~16 images
        out[base + k] = Math.sin(pr * f);
        out[base + quarter + k] = Math.cos(pr * f);
        out[base + 2 * quarter + k] = Math.sin(pc * f);
        out[base + 3 * quarter + k] = Math.cos(pc * f);
      }
    }
  }
  return hostArray(out, [side * side, width]);
};

import type { HostImage } from './host-image.ts';
import { areaBin, cubicCoefficients, cubicSource, weightsOf, type Resampling } from './resampling.ts';

/**
 * Plain host resizes written as PyTorch's loops (not as matrices), so that tests can check the
 * matrix form against them. Accumulation is in float64, the result rounded to float32.
 */

/** adaptive_avg_pool2d: each output averages its 2-D bin (rows and columns binned independently). */
export const areaResizeHost = (img: HostImage, outH: number, outW: number): HostImage => {
  const { data, channels: C, height: H, width: W } = img;
  const out = new Float32Array(C * outH * outW);
  for (let c = 0; c < C; c++) {
    for (let oy = 0; oy < outH; oy++) {
      const [y0, y1] = areaBin(oy, H, outH);
      for (let ox = 0; ox < outW; ox++) {
        const [x0, x1] = areaBin(ox, W, outW);
        let s = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += data[(c * H + y) * W + x];
        out[(c * outH + oy) * outW + ox] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return { data: out, channels: C, height: outH, width: outW };
};

/**
 * upsample_bicubic2d (align_corners = False, no antialias): 4x4 taps with border-clamped reads
 * (upsample_get_value_bounded), interpolating along x in each of 4 rows, then along y.
 */
export const bicubicResizeHost = (img: HostImage, outH: number, outW: number, a = -0.75): HostImage => {
  const { data, channels: C, height: H, width: W } = img;
  const out = new Float32Array(C * outH * outW);
  const at = (c: number, y: number, x: number) =>
    data[(c * H + Math.min(Math.max(y, 0), H - 1)) * W + Math.min(Math.max(x, 0), W - 1)];
  for (let oy = 0; oy < outH; oy++) {
    const sy = cubicSource(oy, H, outH);
    const ky = cubicCoefficients(sy.t, a);
    for (let ox = 0; ox < outW; ox++) {
      const sx = cubicSource(ox, W, outW);
      const kx = cubicCoefficients(sx.t, a);
      for (let c = 0; c < C; c++) {
        let v = 0;
        for (let j = 0; j < 4; j++) {
          let row = 0;
          for (let i = 0; i < 4; i++) row += kx[i] * at(c, sy.idx - 1 + j, sx.idx - 1 + i);
          v += ky[j] * row;
        }
        out[(c * outH + oy) * outW + ox] = v;
      }
    }
  }
  return { data: out, channels: C, height: outH, width: outW };
};

/** F.interpolate as the reference calls it: area when shrinking, bicubic when growing, else a copy. */
export const torchResizeHost = (img: HostImage, outH: number, outW: number): HostImage => {
  if (outH === img.height && outW === img.width) return { ...img, data: img.data.slice() };
  return img.height > outH ? areaResizeHost(img, outH, outW) : bicubicResizeHost(img, outH, outW);
};

/** Any resampling through its matrices (rows, then columns): the generic host path. */
export const resampleHost = (r: Resampling, img: HostImage, outH: number, outW: number): HostImage => {
  const { data, channels: C, height: H, width: W } = img;
  const wy = weightsOf(r, H, outH);
  const wx = weightsOf(r, W, outW);
  const tmp = new Float64Array(outH * W);
  const out = new Float32Array(C * outH * outW);
  for (let c = 0; c < C; c++) {
    tmp.fill(0);
    for (let oy = 0; oy < outH; oy++) {
      for (let y = 0; y < H; y++) {
        const w = wy[oy * H + y];
        if (w !== 0) for (let x = 0; x < W; x++) tmp[oy * W + x] += w * data[(c * H + y) * W + x];
      }
    }
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let s = 0;
        for (let x = 0; x < W; x++) s += wx[ox * W + x] * tmp[oy * W + x];
        out[(c * outH + oy) * outW + ox] = s;
      }
    }
  }
  return { data: out, channels: C, height: outH, width: outW };
};

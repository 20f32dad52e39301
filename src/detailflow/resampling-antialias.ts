import { resampling, type Resampling } from './resampling.ts';

/**
 * PyTorch's antialiased bilinear (F.interpolate(mode='bilinear', align_corners=False,
 * antialias=True); _compute_weights_aa in UpSampleKernel.cpp): a triangle filter whose support
 * widens to the scale when shrinking, taps normalised to sum 1. Growing, it is plain bilinear
 * with edge taps renormalised; at equal sizes it is the identity. The official DetailFlow
 * resizes the decoder's learned position grid with it (8x8 -> 1x1 weights row i as
 * 1 - |i + 0.5 - 4| / 8), which is neither a plain average nor plain bilinear.
 */
export const antialiasedBilinear: Resampling = resampling('bilinear-antialias', (inSize, outSize) => {
  const w = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  const support = scale >= 1 ? scale : 1;
  const inv = scale >= 1 ? 1 / scale : 1;
  const tri = (x: number): number => Math.max(0, 1 - Math.abs(x));
  for (let o = 0; o < outSize; o++) {
    const centre = scale * (o + 0.5);
    // C++ truncation toward zero of a non-negative value for the lower end, as ATen
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const hi = Math.min(Math.trunc(centre + support + 0.5), inSize);
    let total = 0;
    for (let i = lo; i < hi; i++) total += tri((i - centre + 0.5) * inv);
    for (let i = lo; i < hi; i++) w[o * inSize + i] = total > 0 ? tri((i - centre + 0.5) * inv) / total : 0;
  }
  return w;
});

/** Float images ([-1, 1], CHW) onto the page's canvas, upscaled nearest or smooth. */
import { toByte, type FloatImage } from '../src/io/image-grid.ts';

/** The first non-finite value, if any: such an image is a fault to report, not a picture to show. */
export const nonFinite = (im: FloatImage): number | undefined => {
  for (let i = 0; i < im.data.length; i++) if (!Number.isFinite(im.data[i])) return i;
  return undefined;
};

/** CHW floats to interleaved RGBA bytes (grey images repeat their channel). */
export const rgbaOf = (im: FloatImage): Uint8ClampedArray<ArrayBuffer> => {
  const n = im.width * im.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = toByte(im.data[(im.channels === 3 ? c * n : 0) + p]!);
    out[p * 4 + 3] = 255;
  }
  return out;
};

/** Draws `im` over the whole canvas; `smooth` chooses bilinear over nearest upscaling. */
export const drawPicture = (canvas: HTMLCanvasElement, im: FloatImage, smooth: boolean): void => {
  const small = document.createElement('canvas');
  small.width = im.width;
  small.height = im.height;
  small.getContext('2d')!.putImageData(new ImageData(rgbaOf(im), im.width, im.height), 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = smooth;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
};

/** A canvas side near `target` that the final image's side divides, so nearest upscaling is exact. */
export const canvasSide = (finalSide: number, target = 256): number => finalSide * Math.max(1, Math.round(target / finalSide));

/**
 * Resolves once the browser has had a chance to paint what was drawn: after the next animation
 * frame (the paint follows it), or after `fallbackMs` where no frame comes (a hidden tab). On
 * wasm a whole generation is otherwise one unbroken run of work, and the canvas would show only
 * its last pass.
 */
export const nextPaint = (fallbackMs = 100): Promise<void> => new Promise((resolve) => {
  const timer = setTimeout(resolve, fallbackMs);
  requestAnimationFrame(() => setTimeout(() => {
    clearTimeout(timer);
    resolve();
  }, 0));
});

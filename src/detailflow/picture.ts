/**
 * A user's own picture as a model input: PNG bytes (grey, grey+alpha, RGB or RGBA) become one
 * image of the model's channels, centre-cropped to a square and resized to the model's size with
 * the project's resampler (area when shrinking, bicubic when growing, as PyTorch's F.interpolate).
 */
import * as E from 'fp-ts/lib/Either.js';
import { hostArray, type HostArray } from '../ir/host-array.ts';
import type { PngImage } from '../io/png.ts';
import { resampleHost } from './resize-host.ts';
import { torchResize } from './resampling.ts';

/** ITU-R BT.601 luma weights: RGB to grey as most image tools do it. */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * [1, channels, size, size] in [-1, 1]: the centre square of the picture, resized. Colour becomes
 * grey by luma (channels 1), grey is repeated (channels 3); alpha is ignored.
 */
export const pictureInput = (png: PngImage, size: number, channels: 1 | 3 = 3): HostArray => {
  const side = Math.min(png.width, png.height);
  const x0 = Math.floor((png.width - side) / 2);
  const y0 = Math.floor((png.height - side) / 2);
  const colour = png.channels >= 3;
  const value = (x: number, y: number, c: number): number => png.data[((y0 + y) * png.width + x0 + x) * png.channels + c]!;
  const data = new Float32Array(channels * side * side);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const v = !colour ? value(x, y, 0)
          : channels === 3 ? value(x, y, c)
            : LUMA[0] * value(x, y, 0) + LUMA[1] * value(x, y, 1) + LUMA[2] * value(x, y, 2);
        data[(c * side + y) * side + x] = v / 127.5 - 1;
      }
    }
  }
  const resized = resampleHost(torchResize, { data, channels, height: side, width: side }, size, size);
  return hostArray(resized.data, [1, channels, size, size]);
};

/** The same, refusing a channel count a picture cannot be made into (a message, not a throw). */
export const pictureFor = (png: PngImage, size: number, channels: number): E.Either<string, HostArray> =>
  channels === 1 || channels === 3 ? E.right(pictureInput(png, size, channels))
    : E.left(`the model takes ${channels}-channel images; a picture can only be made into 1 (grey) or 3 (RGB)`);

/** "640x480 RGB" and the like, for messages. */
export const describePicture = (png: PngImage): string =>
  `${png.width}x${png.height} ${['grey', 'grey+alpha', 'RGB', 'RGBA'][png.channels - 1]}`;

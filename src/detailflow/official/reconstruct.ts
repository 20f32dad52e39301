/**
 * The coarse-to-fine strip of a user's own picture with an imported official tokenizer: the
 * picture is centre-cropped to a square and resized to the model's size (area when shrinking,
 * bicubic when growing, as F.interpolate; the reference's PIL box-then-bicubic preprocessing is
 * close to it but not identical), encoded once, and every chosen prefix t decoded at dec(t).
 */
import { runOnce } from '../../compile/compile.ts';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import { imagesOfBatch, type FloatImage } from '../../io/image-grid.ts';
import type { PngImage } from '../../io/png.ts';
import { resampleHost } from '../resize-host.ts';
import { torchResize } from '../resampling.ts';
import { decodeTokens, type OfficialModels } from './generate.ts';
import { officialTokenizer } from './tokenizer.ts';

/** RGB(A) or grey bytes, centre-cropped to a square and resized: [1, 3, size, size] in [-1, 1]. */
export const pictureInput = (png: PngImage, size: number): HostArray => {
  const side = Math.min(png.width, png.height);
  const x0 = Math.floor((png.width - side) / 2);
  const y0 = Math.floor((png.height - side) / 2);
  const data = new Float32Array(3 * side * side);
  for (let c = 0; c < 3; c++) {
    // grey (1, 2 channels) repeats its first channel; alpha is ignored
    const from = png.channels >= 3 ? c : 0;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) data[(c * side + y) * side + x] = png.data[((y0 + y) * png.width + x0 + x) * png.channels + from] / 127.5 - 1;
    }
  }
  const resized = resampleHost(torchResize, { data, channels: 3, height: side, width: side }, size, size);
  return hostArray(resized.data, [1, 3, size, size]);
};

/** The prefixes shown by default: 1, 2, 4, ... up to N (N included). */
export const defaultPrefixes = (tokens: number): number[] => {
  const ts: number[] = [];
  for (let t = 1; t < tokens; t *= 2) ts.push(t);
  return [...ts, tokens];
};

export const reconstructOfficial = async (
  m: OfficialModels['tokenizer'], image: HostArray, prefixes: readonly number[], backend?: string,
): Promise<{ input: FloatImage; frames: { t: number; image: FloatImage }[] }> => {
  const tk = officialTokenizer(m.config);
  const codes = await runOnce((p: never, x: Node) => tk.encodeImages(p, x).codes, [m.params, image], backend ? { backend } : {}) as HostArray;
  const frames: { t: number; image: FloatImage }[] = [];
  for (const t of prefixes) frames.push({ t, image: imagesOfBatch(await decodeTokens(m, codes, t, backend))[0]! });
  return { input: imagesOfBatch(image)[0]!, frames };
};

/**
 * The coarse-to-fine strip of a user's own picture with an imported official tokenizer: the
 * picture is centre-cropped to a square and resized to the model's size (area when shrinking,
 * bicubic when growing, as F.interpolate; the reference's PIL box-then-bicubic preprocessing is
 * close to it but not identical), encoded once, and every chosen prefix t decoded at dec(t).
 */
import { runOnce } from '../../compile/compile.ts';
import type { HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import { imagesOfBatch, type FloatImage } from '../../io/image-grid.ts';
import type { PngImage } from '../../io/png.ts';
import { pictureInput as picture } from '../picture.ts';
import { officialDecoder, type OfficialModels } from './generate.ts';
import { officialTokenizer } from './tokenizer.ts';

/** RGB(A) or grey bytes, centre-cropped to a square and resized: [1, 3, size, size] in [-1, 1] (see detailflow/picture.ts). */
export const pictureInput = (png: PngImage, size: number): HostArray => picture(png, size, 3);

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
  const decode = officialDecoder(m, backend);
  const frames: { t: number; image: FloatImage }[] = [];
  for (const t of prefixes) frames.push({ t, image: imagesOfBatch(await decode(codes, t))[0]! });
  return { input: imagesOfBatch(image)[0]!, frames };
};

/**
 * Reconstruction quality of a tokenizer over an image set: every image encoded and decoded with
 * all N tokens at full size, clamped to [-1, 1], then scored: PSNR against the original, and the
 * metric network's features of the reconstructions (for rFD against the originals' features).
 */
import { compile, type CompileOptions } from '../compile/compile.ts';
import { devicePut } from '../compile/device-put.ts';
import type { Node } from '../ir/node.ts';
import type { Params } from '../nn/module.ts';
import type { Tokenizer, TokenizerParams } from '../detailflow/tokenizer/model.ts';
import { clampImages } from '../eval/clamp.ts';
import { psnrExpr } from '../eval/psnr.ts';
import { featureCollector, imageBatch, type FeatureExtractor, type FeatureSet } from '../eval/evaluator/features.ts';

export interface ReconstructionEval {
  readonly images: number;
  /** Mean over images of the per-image PSNR (data range 2). */
  readonly psnr: number;
  /** The metric network on the reconstructions. */
  readonly features: FeatureSet;
  /** Encoding and decoding only, plans' compilation included. */
  readonly seconds: number;
}

/** Called after every batch with the images done so far and the total (progress of long evaluations). */
export type OnBatch = (done: number, total: number) => void;

export const evaluateReconstruction = async (
  model: { readonly tk: Tokenizer; readonly params: TokenizerParams }, ex: FeatureExtractor, images: Float32Array, batch: number, opts: CompileOptions = {},
  onBatch?: OnBatch,
): Promise<ReconstructionEval> => {
  const { tk, params } = model;
  const c = tk.config;
  if (tk.decoderSide(c.tokens) !== c.size) throw new RangeError(`the tokenizer decodes all ${c.tokens} tokens at ${tk.decoderSide(c.tokens)} px, not its image size ${c.size}`);
  const shape = [c.channels, c.size, c.size];
  const per = c.channels * c.size * c.size;
  const n = images.length / per;
  const plan = compile((p: Params<TokenizerParams>, x: Node) => {
    const y = clampImages(tk.decodeCodes(p, tk.encode(p, x).codes));
    return { images: y, psnr: psnrExpr(y, x) };
  }, { ...opts, name: 'reconstruct-full' });
  const collect = featureCollector(ex.featureDim);
  let psnrSum = 0;
  let seconds = 0;
  const device = await devicePut(params, opts);
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s);
    const t0 = performance.now();
    const out = await plan.host(device, imageBatch(images, per, shape, s, b));
    seconds += (performance.now() - t0) / 1000;
    for (const v of out.psnr.data) psnrSum += v;
    collect.add(await ex.run(out.images));
    onBatch?.(s + b, n);
  }
  return { images: n, psnr: psnrSum / n, features: collect.done(), seconds };
};

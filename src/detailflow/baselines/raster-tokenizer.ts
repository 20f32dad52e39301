import { ConfigError } from '../../config/errors.ts';
import { foldIn, type Key } from '../../random/key.ts';
import type { Params } from '../../nn/module.ts';
import { degradation } from '../degradation.ts';
import type { TokenizerConfig } from '../tokenizer/config.ts';
import { tokenizer, type Tokenizer, type TokenizerParams } from '../tokenizer/model.ts';
import { patchEncoder } from './patch-encoder.ts';

/** What a 2D VQ configuration must say; every mismatch is listed. */
export const rasterProblems = (c: TokenizerConfig): string[] => {
  const patches = (c.size / c.patch) ** 2;
  return [
    ...(c.tokens !== patches ? [`tokens must be the patch count (size / patch)^2 = ${patches}, got ${c.tokens}`] : []),
    ...(c.selfCorrection ? ['selfCorrection must be false (a 2D VQ has no latent queries to re-encode with)'] : []),
    ...(c.alignWeight !== 0 ? ['alignWeight must be 0 (token 0 is the top-left patch, not a global summary)'] : []),
    ...(c.degradeProb !== 0 ? ['degradeProb must be 0 (a raster prefix is part of the image, not a coarse version of it)'] : []),
  ];
};

const noLatents = (): never => {
  throw new ConfigError(['the raster tokenizer has no latent queries: self-correction does not apply'], 'raster tokenizer');
};

/**
 * The raster-order baseline: a 2D VQ built from the DetailFlow tokenizer's parts. Each patch is
 * one token (the encoder read out at the patches), quantised by the same quantiser, and the
 * same decoder maps all (H/P)^2 codes to the full image; the training target is the clean image
 * for every t (an identity degradation). Everything that takes a Tokenizer (the trainer, fits,
 * reconstruction and generation evaluation) takes this one; there is no coarse prefix.
 */
export const rasterTokenizer = (c: TokenizerConfig, teacherDim: number): Tokenizer => {
  const problems = rasterProblems(c);
  if (problems.length > 0) throw new ConfigError(problems, 'raster tokenizer');
  const base = tokenizer(c, teacherDim, { degradation: degradation('identity', c.size, c.tokens, []) });
  const enc = patchEncoder(c);
  return {
    ...base,
    encoder: { init: noLatents, apply: noLatents, refine: noLatents },
    // the latent queries, self-correction projection and alignment head are not part of this model
    init: (key: Key): TokenizerParams => ({
      encoder: enc.init(foldIn(key, 0)),
      decoder: base.decoder.init(foldIn(key, 1)),
      codebook: base.quantizer.init(foldIn(key, 2)),
      align: [],
    }),
    encode: (p: Params<TokenizerParams>, images) => base.quantizer.quantize(p.codebook, enc.apply(p.encoder, images)),
  };
};

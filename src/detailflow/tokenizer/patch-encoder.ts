import type { Node } from '../../ir/node.ts';
import { add } from '../../ops/index.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { normal } from '../../nn/init.ts';
import { linear } from '../../nn/linear.ts';
import { transformerStack } from '../../nn/transformer-stack.ts';
import type { Params } from '../../nn/module.ts';
import { patchify } from './patches.ts';
import type { TokenizerConfig } from './config.ts';
import type { EncoderParams } from './encoder.ts';

/** The tokenizer encoder's parameters without the latent queries and the self-correction projection. */
export type PatchEncoderParams = Pick<EncoderParams, 'patchEmbed' | 'patchPos' | 'stack' | 'toCode'>;

/**
 * The tokenizer's ViT encoder with no latent queries (readout 'patches'): the same patch
 * embedding, transformer stack and code projection, read out at the patches themselves, so
 * each P x P patch gives one vector of the (H/P) x (H/P) grid (a 2D tokenizer's encoder).
 * Patches see each other, as in the DetailFlow encoder's mask.
 */
export const patchEncoder = (c: TokenizerConfig) => {
  const D = c.encoderWidth;
  const patches = (c.size / c.patch) ** 2;
  const patchEmbed = linear({ in: c.patch * c.patch * c.channels, out: D });
  const toCode = linear({ in: D, out: c.codeDim });
  const stack = transformerStack({ width: D, heads: c.encoderHeads, mlpWidth: D * c.mlpRatio, depth: c.encoderDepth, finalNorm: true, eps: 1e-6 });
  return {
    patches,
    init: (key: Key): PatchEncoderParams => ({
      patchEmbed: patchEmbed.init(foldIn(key, 0)),
      patchPos: normal(0.02)(foldIn(key, 1), [patches, D]),
      stack: stack.init(foldIn(key, 6)),
      toCode: toCode.init(foldIn(key, 7)),
    }),
    /** images [B, C, H, W] -> unnormalised codes [B, (H/P)^2, codeDim], patches in raster order. */
    apply: (p: Params<PatchEncoderParams>, images: Node): Node =>
      toCode.apply(p.toCode, stack.apply(p.stack, add(patchEmbed.apply(p.patchEmbed, patchify(images, c.patch)), p.patchPos))),
  };
};

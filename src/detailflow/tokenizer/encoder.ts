import type { HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import { add, broadcastTo, concat, sliceAxis } from '../../ops/index.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { normal } from '../../nn/init.ts';
import { linear, type LinearParams } from '../../nn/linear.ts';
import { transformerStack, type TransformerStackParams } from '../../nn/transformer-stack.ts';
import type { Params } from '../../nn/module.ts';
import { biasNode, encoderMaskRowsOf } from '../masks.ts';
import { partitionOf } from '../partition-config.ts';
import { patchify } from './patches.ts';
import type { TokenizerConfig } from './config.ts';

export interface EncoderParams {
  readonly patchEmbed: LinearParams;
  readonly patchPos: HostArray;
  /** The N learned queries of the clean pass, and the second set used by the self-correction pass. */
  readonly latentTokens: HostArray;
  readonly refinedTokens: HostArray;
  readonly latentPos: HostArray;
  /** Projects a (corrupted) code prefix back to the encoder width for the self-correction pass. */
  readonly refine: LinearParams;
  readonly stack: TransformerStackParams;
  readonly toCode: LinearParams;
}

/**
 * ViT encoder over [patches ; N latent queries] under the encoder mask: patches see patches,
 * latents see all patches and earlier latents group-causally. It always reads the whole clean
 * image; the latent inputs are an argument so the self-correction pass can feed its own.
 */
export const encoder = (c: TokenizerConfig) => {
  const D = c.encoderWidth;
  const patches = (c.size / c.patch) ** 2;
  const patchEmbed = linear({ in: c.patch * c.patch * c.channels, out: D });
  const refine = linear({ in: c.codeDim, out: D });
  const toCode = linear({ in: D, out: c.codeDim });
  const stack = transformerStack({ width: D, heads: c.encoderHeads, mlpWidth: D * c.mlpRatio, depth: c.encoderDepth, finalNorm: true, eps: 1e-6 });
  const std = normal(0.02);
  return {
    init: (key: Key): EncoderParams => ({
      patchEmbed: patchEmbed.init(foldIn(key, 0)),
      patchPos: std(foldIn(key, 1), [patches, D]),
      latentTokens: std(foldIn(key, 2), [c.tokens, D]),
      refinedTokens: std(foldIn(key, 3), [c.tokens, D]),
      latentPos: std(foldIn(key, 4), [c.tokens, D]),
      refine: refine.init(foldIn(key, 5)),
      stack: stack.init(foldIn(key, 6)),
      toCode: toCode.init(foldIn(key, 7)),
    }),
    /** images [B, C, H, W], latent inputs [B | 1, N, D] (before position embedding) -> unnormalised codes [B, N, codeDim]. */
    apply: (p: Params<EncoderParams>, images: Node, latents: Node): Node => {
      const b = images.shape[0];
      const x = add(patchEmbed.apply(p.patchEmbed, patchify(images, c.patch)), p.patchPos);
      const q = broadcastTo(add(latents, p.latentPos), [b, c.tokens, D]);
      const mask = biasNode(encoderMaskRowsOf(partitionOf(c), patches, c.tokens));
      const h = stack.apply(p.stack, concat([x, q], 1), { mask });
      return toCode.apply(p.toCode, sliceAxis(h, 1, patches, patches + c.tokens));
    },
    refine: (p: Params<EncoderParams>, codes: Node): Node => refine.apply(p.refine, codes),
  };
};

import { foldIn } from '../random/key.ts';
import type { Layer } from './module.ts';
import { repeat } from './repeat.ts';
import { childCtx } from './sequential.ts';
import { makeNorm, transformerBlock, type NormParams, type TransformerBlockParams } from './transformer-block.ts';
import { transformerConfig, type TransformerConfig, type TransformerConfigInput } from './transformer-config.ts';

export interface TransformerStackParams {
  readonly blocks: readonly TransformerBlockParams[];
  /** Present when the configuration asks for a final norm (as in GPTs and ViT encoders). */
  readonly norm?: NormParams;
}

/** `depth` pre-LN blocks with their own parameters, then optionally a final norm. */
export const transformerStack = (config: TransformerConfigInput | TransformerConfig): Layer<TransformerStackParams> => {
  const c = transformerConfig(config);
  const blocks = repeat(transformerBlock(c), c.depth);
  const norm = makeNorm(c);
  return {
    init: (key) => {
      const bs = blocks.init(foldIn(key, 0));
      return c.finalNorm ? { blocks: bs, norm: norm.init(foldIn(key, 1)) } : { blocks: bs };
    },
    apply: (p, x, ctx) => {
      const h = blocks.apply(p.blocks, x, childCtx(ctx, 0));
      return p.norm ? norm.apply(p.norm, h) : h;
    },
  };
};

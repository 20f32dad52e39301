import type { HostArray } from '../ir/host-array.ts';
import { layerNorm, type LayerNormParams } from './layer-norm.ts';
import type { Layer } from './module.ts';
import { mlp, type MlpParams } from './mlp.ts';
import { multiHeadAttention, type AttentionParams } from './multi-head-attention.ts';
import { residual } from './residual.ts';
import { rmsNorm } from './rms-norm.ts';
import { sequential } from './sequential.ts';
import { swiglu, type SwigluParams } from './swiglu.ts';
import { transformerConfig, type TransformerConfig, type TransformerConfigInput } from './transformer-config.ts';

/** LayerNorm's { scale, bias } or RMSNorm's { scale }. */
export type NormParams = LayerNormParams | { readonly scale: HostArray };
export type FeedForwardParams = MlpParams | SwigluParams;

export interface TransformerBlockParams {
  readonly attn: { readonly norm: NormParams; readonly attn: AttentionParams };
  readonly mlp: { readonly norm: NormParams; readonly mlp: FeedForwardParams };
}

export const makeNorm = (c: TransformerConfig): Layer<NormParams> =>
  (c.norm === 'rms' ? rmsNorm({ dim: c.width, eps: c.eps }) : layerNorm({ dim: c.width, eps: c.eps })) as Layer<NormParams>;

export const makeFeedForward = (c: TransformerConfig): Layer<FeedForwardParams> =>
  (c.activation === 'swiglu'
    ? swiglu({ dim: c.width, hidden: c.mlpWidth, bias: c.bias })
    : mlp({ dim: c.width, hidden: c.mlpWidth, activation: c.activation, bias: c.bias })) as Layer<FeedForwardParams>;

/**
 * Pre-LN block, x + attn(norm(x)) then x + ffn(norm(x)), composed from the combinators (a variant,
 * e.g. post-LN or parallel attention, is another composition of the same pieces, not a copy).
 * The attention mask and the dropout key come in through ctx.
 */
export const transformerBlock = (config: TransformerConfigInput | TransformerConfig): Layer<TransformerBlockParams> => {
  const c = transformerConfig(config);
  const attn = multiHeadAttention({ dim: c.width, heads: c.heads, qkv: c.qkv, bias: c.bias, outBias: c.bias, dropout: c.attnDropout });
  return sequential({
    attn: residual(sequential({ norm: makeNorm(c), attn }), { dropout: c.dropout }),
    mlp: residual(sequential({ norm: makeNorm(c), mlp: makeFeedForward(c) }), { dropout: c.dropout }),
  });
};

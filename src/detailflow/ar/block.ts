import type { Node } from '../../ir/node.ts';
import { add, concat, dropout, matmul, mT, mul, softmax, splitKey } from '../../ops/index.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { normal } from '../../nn/init.ts';
import type { Ctx, Params } from '../../nn/module.ts';
import { multiHeadAttention, type AttentionParams } from '../../nn/multi-head-attention.ts';
import { rmsNorm, type RmsNormParams } from '../../nn/rms-norm.ts';
import { swiglu, type SwigluParams } from '../../nn/swiglu.ts';
import { applyDropout } from '../../nn/dropout.ts';
import { headDimOf, type ArConfig } from './config.ts';
import { applyRope, type RopeNodes } from './rope-2d.ts';

/** One LlamaGen block: x + wo(attn(norm(x))), then x + w2(silu(w1 norm(x)) * w3 norm(x)). */
export interface ArBlockParams {
  readonly attnNorm: RmsNormParams;
  /** Fused wqkv [D, 3D] and wo [D, D], no biases. */
  readonly attn: AttentionParams;
  readonly ffnNorm: RmsNormParams;
  /** gate = w1, up = w3, down = w2 in LlamaGen's names. */
  readonly ffn: SwigluParams;
}

/**
 * A layer's keys (after RoPE) and values over every position so far, each [B, H, L, Dh]. Each
 * pass appends its new positions on the length axis (axis 2: whole rows of Dh, a cheap concat;
 * keys stored transposed would make tfjs-wasm's concat copy single floats).
 */
export interface LayerCache<L = Node> {
  readonly keys: L;
  readonly values: L;
}

export const arBlock = (c: ArConfig) => {
  const attn = multiHeadAttention({ dim: c.width, heads: c.heads, qkv: 'fused', bias: false, outBias: false, init: normal(c.initStd) });
  const norm = rmsNorm({ dim: c.width, eps: c.normEps });
  const ffn = swiglu({ dim: c.width, hidden: c.mlpHidden, init: normal(c.initStd) });
  const scale = 1 / Math.sqrt(headDimOf(c));
  return {
    init: (key: Key): ArBlockParams => ({
      attnNorm: norm.init(foldIn(key, 0)), attn: attn.init(foldIn(key, 1)),
      ffnNorm: norm.init(foldIn(key, 2)), ffn: ffn.init(foldIn(key, 3)),
    }),
    /**
     * h [B, T, D] for T new positions, their RoPE rows, the bias [T, L] of those rows against
     * all L = cached + T positions, and the cache of the earlier positions (none: L = T).
     * Returns the new hidden states and the cache extended by the new positions.
     */
    apply: (p: Params<ArBlockParams>, h: Node, rope: RopeNodes, bias: Node, cache?: LayerCache, ctx?: Ctx): { h: Node; cache: LayerCache } => {
      const sub = (i: number): Ctx | undefined => (ctx?.key ? { ...ctx, key: splitKey(ctx.key, i) } : ctx);
      const { q, k, v } = attn.project(p.attn, norm.apply(p.attnNorm, h));
      const kr = applyRope(k, rope);
      const next: LayerCache = cache ? { keys: concat([cache.keys, kr], 2), values: concat([cache.values, v], 2) } : { keys: kr, values: v };
      // scaling q (T x Dh) is cheaper than scaling the scores (T x L)
      const probs = softmax(add(matmul(mul(applyRope(q, rope), scale), mT(next.keys)), bias), -1);
      const dropped = ctx?.train && c.attnDropout > 0 && ctx.key ? dropout(splitKey(ctx.key, 2), probs, c.attnDropout) : probs;
      const h1 = add(h, applyDropout(attn.merge(p.attn, matmul(dropped, next.values)), c.residDropout, sub(0)));
      const h2 = add(h1, applyDropout(ffn.apply(p.ffn, norm.apply(p.ffnNorm, h1)), c.ffnDropout, sub(1)));
      return { h: h2, cache: next };
    },
  };
};

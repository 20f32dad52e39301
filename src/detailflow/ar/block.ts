import type { Node } from '../../ir/node.ts';
import { add, concat, dropout, matmul, mT, mul, reshape, softmax, splitKey } from '../../ops/index.ts';
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
 * A layer's keys (after RoPE) and values over every position so far. In the growing cache each
 * is [B, H, L, Dh], and a pass appends its positions on the length axis (axis 2: whole rows of
 * Dh, a cheap concat; keys stored transposed would make tfjs-wasm's concat copy single floats).
 * The fixed-length cache stores both transposed, [B, H, Dh, N] (placedCache).
 */
export interface LayerCache<L = Node> {
  readonly keys: L;
  readonly values: L;
}

/**
 * How a layer's cache is laid out: how a pass's new keys and values [B, H, T, Dh] join it (none
 * before the first pass), and how attention reads it (scores q @ K^T, mix probs @ V).
 */
export interface CacheLayout {
  readonly write: (cache: LayerCache | undefined, keys: Node, values: Node) => LayerCache;
  readonly scores: (q: Node, cache: LayerCache) => Node;
  readonly mix: (probs: Node, cache: LayerCache) => Node;
}

/** The growing cache [B, H, L, Dh]: each pass appends its positions, so each length is its own graph. */
export const appendedCache: CacheLayout = {
  write: (cache, keys, values) => (cache ? { keys: concat([cache.keys, keys], 2), values: concat([cache.values, values], 2) } : { keys, values }),
  scores: (q, cache) => matmul(q, mT(cache.keys)),
  mix: (probs, cache) => matmul(probs, cache.values),
};

/**
 * The fixed-length cache, keys and values both stored transposed, [B, H, Dh, N]: `place` [T, N]
 * has one 1 per row, at the column each new position goes to, so `cache + new^T @ place` writes
 * the T columns (one product with a 2D right operand: a single GEMM over all B H Dh rows).
 * Positions are written once, in order, and unwritten columns are zero, so the sum is exact
 * (x + 0). Where a pass sits is then data, not graph: every pass of one shape shares one compiled
 * graph (on ONNX Runtime, one session).
 */
export const placedCache = (place: Node): CacheLayout => {
  const [T, N] = place.shape;
  // new^T as one [B H Dh, T] matrix: a single GEMM, where a rank-4 product would run one per head
  const put = (old: Node | undefined, x: Node) => {
    const [b, h, , dh] = x.shape;
    const written = reshape(matmul(reshape(mT(x), [b * h * dh, T]), place), [b, h, dh, N]);
    return old ? add(old, written) : written;
  };
  return {
    write: (cache, keys, values) => ({ keys: put(cache?.keys, keys), values: put(cache?.values, values) }),
    scores: (q, cache) => matmul(q, cache.keys),
    mix: (probs, cache) => matmul(probs, mT(cache.values)),
  };
};

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
     * Returns the new hidden states and the cache extended by the new positions (`layout`: appended,
     * or placed in a fixed-length cache, whose bias then has a column per cache position).
     */
    apply: (p: Params<ArBlockParams>, h: Node, rope: RopeNodes, bias: Node, cache?: LayerCache, ctx?: Ctx, layout: CacheLayout = appendedCache): { h: Node; cache: LayerCache } => {
      const sub = (i: number): Ctx | undefined => (ctx?.key ? { ...ctx, key: splitKey(ctx.key, i) } : ctx);
      const { q, k, v } = attn.project(p.attn, norm.apply(p.attnNorm, h));
      const kr = applyRope(k, rope);
      const next = layout.write(cache, kr, v);
      // scaling q (T x Dh) is cheaper than scaling the scores (T x L)
      const probs = softmax(add(layout.scores(mul(applyRope(q, rope), scale), next), bias), -1);
      const dropped = ctx?.train && c.attnDropout > 0 && ctx.key ? dropout(splitKey(ctx.key, 2), probs, c.attnDropout) : probs;
      const h1 = add(h, applyDropout(attn.merge(p.attn, layout.mix(dropped, next)), c.residDropout, sub(0)));
      const h2 = add(h1, applyDropout(ffn.apply(p.ffn, norm.apply(p.ffnNorm, h1)), c.ffnDropout, sub(1)));
      return { h: h2, cache: next };
    },
  };
};

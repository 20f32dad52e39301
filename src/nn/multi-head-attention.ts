import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import { reshape, sliceAxis, splitKey, transpose } from '../ops/index.ts';
import { foldIn } from '../random/key.ts';
import { attend } from './attention.ts';
import type { Initializer } from './init.ts';
import { dense, linear, type LinearParams } from './linear.ts';
import type { Ctx, Layer, Params } from './module.ts';

export interface AttentionConfig {
  /** Model width (input and output). */
  readonly dim: number;
  readonly heads: number;
  /** Default dim / heads. */
  readonly headDim?: number;
  /** Width of the key/value source for cross-attention (separate projections only); default dim. */
  readonly kvDim?: number;
  /** One [dim, 3 inner] projection (default) or three. */
  readonly qkv?: 'fused' | 'separate';
  /** Bias on the q, k, v projections (default true). */
  readonly bias?: boolean;
  /** Bias on the output projection (default true). */
  readonly outBias?: boolean;
  /** Dropout on the attention probabilities (training only). */
  readonly dropout?: number;
  readonly init?: Initializer;
  readonly outInit?: Initializer;
}

/** Fused: { qkv, out }; separate: { q, k, v, out }. */
export interface AttentionParams {
  readonly qkv?: LinearParams;
  readonly q?: LinearParams;
  readonly k?: LinearParams;
  readonly v?: LinearParams;
  readonly out: LinearParams;
}

/** [..., T, H*Dh] -> [..., H, T, Dh]. */
export const splitHeads = (x: Node, heads: number): Node => {
  const r = x.shape.length;
  const t = x.shape[r - 2];
  const width = x.shape[r - 1];
  if (width % heads !== 0) throw new GraphError('shape', 'splitHeads', `width ${width} is not divisible by ${heads} heads`);
  const lead = x.shape.slice(0, -2).map((_, i) => i);
  return transpose(reshape(x, [...x.shape.slice(0, -2), t, heads, width / heads]), [...lead, r - 1, r - 2, r]);
};

/** [..., H, T, Dh] -> [..., T, H*Dh]. */
export const mergeHeads = (x: Node): Node => {
  const r = x.shape.length;
  const [h, t, dh] = x.shape.slice(-3);
  const lead = x.shape.slice(0, -3).map((_, i) => i);
  return reshape(transpose(x, [...lead, r - 2, r - 3, r - 1]), [...x.shape.slice(0, -3), t, h * dh]);
};

/** Heads of q, k and v, each [..., H, T, Dh]. */
export interface Qkv {
  readonly q: Node;
  readonly k: Node;
  readonly v: Node;
}

/**
 * Multi-head attention as a layer (self-attention with `ctx.mask`), plus its pieces for callers
 * that need to get between them: `project` (heads of q, k, v; rotary embeddings or a KV cache
 * go here), the shared core `attend`, and `merge` (heads back to width and the output projection).
 */
export interface MultiHeadAttention extends Layer<AttentionParams> {
  readonly config: Required<Pick<AttentionConfig, 'dim' | 'heads' | 'headDim' | 'kvDim' | 'qkv'>>;
  project(p: Params<AttentionParams>, x: Node, source?: Node): Qkv;
  merge(p: Params<AttentionParams>, o: Node): Node;
  /** Attention of x over `source` (cross-attention; x itself when omitted). */
  attendTo(p: Params<AttentionParams>, x: Node, source: Node, ctx?: Ctx): Node;
}

export const multiHeadAttention = (cfg: AttentionConfig): MultiHeadAttention => {
  const { dim, heads } = cfg;
  const headDim = cfg.headDim ?? dim / heads;
  if (!Number.isInteger(headDim) || headDim < 1) throw new GraphError('attr', 'multiHeadAttention', `dim ${dim} is not divisible by ${heads} heads`);
  const inner = heads * headDim;
  const kvDim = cfg.kvDim ?? dim;
  const mode = cfg.qkv ?? 'fused';
  if (mode === 'fused' && kvDim !== dim) throw new GraphError('attr', 'multiHeadAttention', 'a fused qkv projection needs kvDim = dim; use qkv: "separate" for cross-attention');
  const bias = cfg.bias ?? true;
  const proj = (i: number, o: number) => linear({ in: i, out: o, bias, init: cfg.init });
  const outProj = linear({ in: inner, out: dim, bias: cfg.outBias ?? true, init: cfg.outInit ?? cfg.init });
  const rate = cfg.dropout ?? 0;

  const project = (p: Params<AttentionParams>, x: Node, source?: Node): Qkv => {
    if (mode === 'fused') {
      if (source !== undefined && source !== x) throw new GraphError('input', 'multiHeadAttention', 'a fused qkv projection cannot attend to another source');
      const w = p.qkv as Params<LinearParams>;
      // one [dim, 3 inner] product, then three slices of the last axis
      const y = dense(x, w.w, w.b);
      return { q: splitHeads(sliceAxis(y, -1, 0, inner), heads), k: splitHeads(sliceAxis(y, -1, inner, 2 * inner), heads), v: splitHeads(sliceAxis(y, -1, 2 * inner, 3 * inner), heads) };
    }
    const src = source ?? x;
    const lin = (q: Params<LinearParams> | undefined, z: Node) => splitHeads(dense(z, (q as Params<LinearParams>).w, q?.b), heads);
    return { q: lin(p.q, x), k: lin(p.k, src), v: lin(p.v, src) };
  };
  const merge = (p: Params<AttentionParams>, o: Node): Node => dense(mergeHeads(o), p.out.w, p.out.b);
  const attendTo = (p: Params<AttentionParams>, x: Node, source: Node, ctx?: Ctx): Node => {
    const { q, k, v } = project(p, x, source);
    if (ctx?.train && rate > 0 && !ctx.key) throw new GraphError('input', 'multiHeadAttention', 'attention dropout in training mode needs ctx.key');
    const drop = ctx?.train && rate > 0 && ctx.key ? { key: splitKey(ctx.key, 0), rate } : undefined;
    return merge(p, attend(q, k, v, ctx?.mask, { dropout: drop }));
  };
  return {
    config: { dim, heads, headDim, kvDim, qkv: mode },
    init: (key) => {
      const out = outProj.init(foldIn(key, 3));
      if (mode === 'fused') return { qkv: proj(dim, 3 * inner).init(foldIn(key, 0)), out };
      return { q: proj(dim, inner).init(foldIn(key, 0)), k: proj(kvDim, inner).init(foldIn(key, 1)), v: proj(kvDim, inner).init(foldIn(key, 2)), out };
    },
    apply: (p, x, ctx) => attendTo(p, x, x, ctx),
    project,
    merge,
    attendTo,
  };
};

/**
 * The official DetailFlow tokenizer (VQModel with SigLIP encoder and decoder) composed from the
 * project's combinators: transformerStack (pre-LN, separate q/k/v/out, eps 1e-6, gelu-tanh,
 * final LayerNorm), dense layers, patchify/unpatchify with the (p, q, c) layout, the encoder
 * mask of masks.ts and the antialiased bilinear resampling for the learned position grids.
 */
import type { HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import { add, argmin, broadcastTo, concat, gather, matmul, mT, mul, neg, reshape, sliceAxis, square, sub, sum, topk, transpose } from '../../ops/index.ts';
import { dense, type LinearParams } from '../../nn/linear.ts';
import type { Params } from '../../nn/module.ts';
import { transformerStack, type TransformerStackParams } from '../../nn/transformer-stack.ts';
import { decoderSize } from '../api.ts';
import { encoderBiasNode } from '../masks.ts';
import { antialiasedBilinear } from '../resampling-antialias.ts';
import { resizeExpr } from '../resize-expr.ts';
import { l2Normalize } from '../tokenizer/quantizers/l2-vq.ts';
import { patchify, unpatchify } from '../tokenizer/patches.ts';
import type { OfficialTokenizerConfig, TowerConfig } from './config.ts';

export interface OfficialEncoderParams {
  readonly patchEmbed: LinearParams;
  /** The learned position grid [grid², width]. */
  readonly pos: HostArray;
  readonly latentTokens: HostArray;
  readonly refinedTokens: HostArray;
  readonly latentPos: HostArray;
  readonly stack: TransformerStackParams;
}

export interface OfficialDecoderParams {
  readonly maskToken: HostArray;
  readonly pos: HostArray;
  readonly latentPos: HostArray;
  readonly stack: TransformerStackParams;
  readonly toPixel: LinearParams;
}

export interface OfficialTokenizerParams {
  readonly encoder: OfficialEncoderParams;
  readonly decoder: OfficialDecoderParams;
  readonly quantConv: LinearParams;
  readonly postQuantConv: LinearParams;
  readonly refineConv: LinearParams;
  readonly codebook: HostArray;
}

type P = Params<OfficialTokenizerParams>;

/** SigLIP's tower as a configuration of transformerStack. */
export const towerStack = (t: TowerConfig, eps: number) =>
  transformerStack({ width: t.width, heads: t.heads, mlpWidth: t.mlpWidth, depth: t.depth, norm: 'layer', eps, activation: 'gelu', qkv: 'separate', bias: true, finalNorm: true });

/** A learned grid² x D position table resized to side² rows (identity at the grid's own size). */
export const resizePositions = (table: Node, side: number): Node => {
  const [rows, d] = table.shape;
  const g = Math.round(Math.sqrt(rows));
  if (side === g) return table;
  const grid = reshape(transpose(table, [1, 0]), [d, g, g]);
  return transpose(reshape(resizeExpr(grid, side, antialiasedBilinear), [d, side * side]), [1, 0]);
};

export interface Quantised {
  /** int32 [B, T]. */
  readonly codes: Node;
  /** z_n + (e_n - z_n), the forward value the official quantiser returns [B, T, d]. */
  readonly quant: Node;
  /** Second-smallest minus smallest distance [B, T] (how far the pick is from a tie). */
  readonly margin: Node;
}

export const officialTokenizer = (c: OfficialTokenizerConfig) => {
  const enc = towerStack(c.encoder, c.eps);
  const dec = towerStack(c.decoder, c.eps);
  const side = c.imageSize / c.patch;
  const patches = side * side;

  /** Encoder outputs after post_layernorm: patch rows and latent rows. Latent queries [1|B, N, D] before their position embedding. */
  const encode = (p: P, images: Node, queries: Node): { patchTokens: Node; latentTokens: Node } => {
    const b = images.shape[0];
    const x = add(dense(patchify(images, c.patch), p.encoder.patchEmbed.w, p.encoder.patchEmbed.b), resizePositions(p.encoder.pos, side));
    const q = broadcastTo(add(queries, p.encoder.latentPos), [b, c.tokens, c.encoder.width]);
    const mask = encoderBiasNode(patches, c.tokens, { group: c.group, causal: c.causal });
    const h = enc.apply(p.encoder.stack, concat([x, q], 1), { mask });
    return { patchTokens: sliceAxis(h, 1, 0, patches), latentTokens: sliceAxis(h, 1, patches, patches + c.tokens) };
  };

  /** The l2 VQ: argmin over sum(z²) + sum(e²) - 2 z.e of the normalised vectors, in float32. */
  const quantise = (p: P, z: Node): Quantised => {
    const zn = l2Normalize(z);
    const en = l2Normalize(p.codebook);
    const d = sub(add(sum(square(zn), -1, true), sum(square(en), -1)), mul(matmul(zn, mT(en)), 2));
    const codes = argmin(d, -1);
    const best = topk(neg(d), 2).values;
    return { codes, quant: add(zn, sub(gather(en, codes), zn)), margin: sub(sliceAxis(best, -1, 0, 1), sliceAxis(best, -1, 1, 2)) };
  };

  /** Clean encoding: images [B, 3, H, W] -> encoder rows, z before quantisation, codes. */
  const encodeImages = (p: P, images: Node) => {
    const h = encode(p, images, reshape(p.encoder.latentTokens, [1, c.tokens, c.encoder.width]));
    const z = dense(h.latentTokens, p.quantConv.w, p.quantConv.b);
    return { ...h, z, ...quantise(p, z) };
  };

  /** The decoder on quantised vectors [B, t, d] at an output side (a multiple of the patch). */
  const decode = (p: P, quant: Node, outSide: number): Node => {
    const [b, t] = quant.shape;
    const s = outSide / c.patch;
    const grid = broadcastTo(add(p.decoder.maskToken, resizePositions(p.decoder.pos, s)), [b, s * s, c.decoder.width]);
    const lat = add(dense(quant, p.postQuantConv.w, p.postQuantConv.b), sliceAxis(p.decoder.latentPos, 0, 0, t));
    const h = dec.apply(p.decoder.stack, concat([grid, lat], 1));
    return unpatchify(dense(sliceAxis(h, 1, 0, s * s), p.decoder.toPixel.w, p.decoder.toPixel.b), c.patch, 3, s);
  };

  /** Decoding codes int32 [B, t] from the exact normalised codebook rows (the generation path). */
  const decodeCodes = (p: P, codes: Node, outSide: number): Node => decode(p, gather(l2Normalize(p.codebook), codes), outSide);

  /**
   * The self-correction re-encode: latent queries refine_conv(prefix[:, :e]) for positions < e
   * and refined_tokens after, then the clean encoder pass; returns the re-encoded quantisation.
   */
  const reencode = (p: P, images: Node, prefix: Node): Quantised => {
    const e = prefix.shape[1];
    const b = images.shape[0];
    const head = dense(prefix, p.refineConv.w, p.refineConv.b);
    const tail = broadcastTo(reshape(sliceAxis(p.encoder.refinedTokens, 0, e, c.tokens), [1, c.tokens - e, c.encoder.width]), [b, c.tokens - e, c.encoder.width]);
    const h = encode(p, images, e < c.tokens ? concat([head, tail], 1) : head);
    return quantise(p, dense(h.latentTokens, p.quantConv.w, p.quantConv.b));
  };

  /** dec(t): the decoder's output side for a prefix of t tokens (token2dec_out_res). */
  const decoderSide = (t: number): number => decoderSize(t, { size: c.imageSize, tokens: c.tokens, patch: c.patch, alpha: c.alpha });

  return { config: c, encode, quantise, encodeImages, decode, decodeCodes, reencode, decoderSide };
};

export type OfficialTokenizer = ReturnType<typeof officialTokenizer>;

import type { HostArray } from '../../compile/device-array.ts';
import type { Node } from '../../ir/node.ts';
import { sliceAxis } from '../../ops/index.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { linear, type LinearParams } from '../../nn/linear.ts';
import { fn } from '../../nn/fn.ts';
import { sequential } from '../../nn/sequential.ts';
import { silu } from '../../ops/index.ts';
import type { Params } from '../../nn/module.ts';
import { powerCurve, resolutionAt } from '../resolution.ts';
import { detailflowDegradation, type Degradation } from '../degradation.ts';
import { snapToPatch } from '../decoder-size.ts';
import type { TokenizerConfig } from './config.ts';
import { decoder, type DecoderParams } from './decoder.ts';
import { encoder, type EncoderParams } from './encoder.ts';
import { initCodebook, lookupCodes, quantize, type Quantized } from './quantizer.ts';

export interface TokenizerParams {
  readonly encoder: EncoderParams;
  readonly decoder: DecoderParams;
  readonly codebook: HostArray;
  /** MLP from token 0's code to the teacher's feature space (first-token alignment). */
  readonly align: readonly [LinearParams, Record<string, never>, LinearParams, Record<string, never>, LinearParams];
}

/**
 * The 1D coarse-to-fine tokenizer as a value: its parts (encoder, quantiser, decoder, resolution
 * map, degradation) are exposed so variants swap one of them, not copy the model.
 */
export const tokenizer = (c: TokenizerConfig, teacherDim: number) => {
  const enc = encoder(c);
  const dec = decoder(c);
  const align = sequential([
    linear({ in: c.codeDim, out: c.alignHidden }), fn(silu),
    linear({ in: c.alignHidden, out: c.alignHidden }), fn(silu),
    linear({ in: c.alignHidden, out: teacherDim }),
  ] as const);
  const map = powerCurve({ size: c.size, tokens: c.tokens, alpha: c.alpha });
  const degradation: Degradation = detailflowDegradation(map, c.patch);
  /** dec(t): the side the decoder outputs for a prefix of t tokens. */
  const decoderSide = (t: number): number => snapToPatch(resolutionAt(map, t), c.patch);
  return {
    config: c,
    teacherDim,
    resolutionMap: map,
    degradation,
    decoderSide,
    encoder: enc,
    decoder: dec,
    align,
    init: (key: Key): TokenizerParams => ({
      encoder: enc.init(foldIn(key, 0)),
      decoder: dec.init(foldIn(key, 1)),
      codebook: initCodebook(foldIn(key, 2), c.codebookSize, c.codeDim),
      align: align.init(foldIn(key, 3)) as unknown as TokenizerParams['align'],
    }),
    /** Clean encoding: images [B, C, H, W] -> quantised tokens [B, N]. */
    encode: (p: Params<TokenizerParams>, images: Node): Quantized =>
      quantize(p.codebook, enc.apply(p.encoder, images, p.encoder.latentTokens)),
    /** Decodes the first t codes [B, t, codeDim] at side dec(t) (or an explicit side). */
    decodeCodes: (p: Params<TokenizerParams>, codes: Node, side?: number): Node =>
      dec.apply(p.decoder, codes, side ?? decoderSide(codes.shape[1])),
    /** Decodes token indices [B, t]. */
    decodeIndices: (p: Params<TokenizerParams>, indices: Node, side?: number): Node =>
      dec.apply(p.decoder, lookupCodes(p.codebook, indices), side ?? decoderSide(indices.shape[1])),
    prefix: (codes: Node, t: number): Node => sliceAxis(codes, 1, 0, t),
  };
};

export type Tokenizer = ReturnType<typeof tokenizer>;

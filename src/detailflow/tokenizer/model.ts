import type { Node } from '../../ir/node.ts';
import { sliceAxis } from '../../ops/index.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { linear, type LinearParams } from '../../nn/linear.ts';
import { fn } from '../../nn/module.ts';
import { sequential } from '../../nn/sequential.ts';
import { silu } from '../../ops/index.ts';
import type { Params } from '../../nn/module.ts';
import { ConfigError } from '../../config/errors.ts';
import { GraphError } from '../../ir/errors.ts';
import { powerCurve, type ResolutionMap } from '../resolution.ts';
import { degradation as degradationOf, detailflowDegradation, outputSide, type Degradation } from '../degradation.ts';
import type { TokenizerConfig } from './config.ts';
import { decoder, type DecoderParams } from './decoder.ts';
import { encoder, type EncoderParams } from './encoder.ts';
import { patchEncoder, type PatchEncoderParams } from './patch-encoder.ts';
import { quantizerFor } from './quantizers/of-config.ts';
import type { Quantized, QuantizerParams } from './quantizers/quantizer.ts';

export interface TokenizerParams {
  /** A 2D tokenizer's encoder (readout 'patches') has no latent queries and no self-correction projection. */
  readonly encoder: EncoderParams | PatchEncoderParams;
  readonly decoder: DecoderParams;
  /** The quantiser's parameters (the name is VQ's, kept so checkpoints load): VQ's codebook [V, D]; FSQ's empty record. */
  readonly codebook: QuantizerParams;
  /** MLP from token 0's code to the teacher's feature space (first-token alignment); a 2D tokenizer has none. */
  readonly align: readonly [LinearParams, Record<string, never>, LinearParams, Record<string, never>, LinearParams] | readonly [];
}

const hasLatents = (e: Params<TokenizerParams['encoder']>): e is Params<EncoderParams> =>
  'latentTokens' in e && 'refinedTokens' in e && 'latentPos' in e && 'refine' in e;

/** The encoder's parameters with its latent queries and self-correction projection (a 2D tokenizer has neither). */
export const latentEncoder = (e: Params<TokenizerParams['encoder']>): Params<EncoderParams> => {
  if (hasLatents(e)) return e;
  throw new GraphError('tree', 'tokenizer', 'these encoder parameters have no latent queries (a 2D tokenizer\'s, readout \'patches\'): encode them with their own tokenizer');
};

/** The patch encoder's parameters (readout 'patches'); a 1D tokenizer's are refused. */
const patchEncoderOf = (e: Params<TokenizerParams['encoder']>): Params<PatchEncoderParams> => {
  if (!hasLatents(e)) return e;
  throw new GraphError('tree', 'tokenizer', 'these encoder parameters have latent queries (a 1D tokenizer\'s, readout \'latents\'): encode them with their own tokenizer');
};

/**
 * The parts a variant may swap. The resolution map defaults to the power curve of `alpha`; the
 * degradation (the training target for each prefix) to DetailFlow's area-then-bicubic over that
 * map. The decoder outputs the degradation's last side, so that side must be a multiple of patch.
 */
export interface TokenizerParts {
  readonly resolutionMap?: ResolutionMap;
  readonly degradation?: Degradation;
}

/** Refuses a map or degradation built for another H or N (before anything is derived from it). */
const checkFits = (c: TokenizerConfig, what: string, part: { name: string; size: number; tokens: number }): void => {
  if (part.size !== c.size || part.tokens !== c.tokens) {
    throw new ConfigError([`${what} ${part.name} is for H = ${part.size}, N = ${part.tokens}; the configuration has size ${c.size}, tokens ${c.tokens}`], 'tokenizer parts');
  }
};

/** The side of each prefix's target: the decoder outputs it, so it must be a multiple of patch. */
const targetSides = (c: TokenizerConfig, d: Degradation): readonly number[] => {
  checkFits(c, 'degradation', d);
  const sides = Array.from({ length: c.tokens }, (_, i) => outputSide(d, i + 1));
  const bad = sides.flatMap((s, i) => (s % c.patch === 0 ? [] : [`t = ${i + 1}: side ${s}`]));
  if (bad.length > 0) throw new ConfigError([`degradation ${d.name}: every target side must be a multiple of patch ${c.patch} (the decoder's output), got ${bad.slice(0, 5).join(', ')}`], 'tokenizer parts');
  return sides;
};

/**
 * The tokenizer as a value: its parts (readout encoder, quantiser, decoder, resolution map,
 * degradation) are exposed so variants swap one of them, not copy the model. The configuration
 * picks the readout and the quantiser:
 * - readout 'latents' (DetailFlow): latent queries read the image out as N ordered 1D tokens,
 *   self-correction re-encodes through them, token 0 is aligned to the teacher, and the prefix
 *   of t tokens is trained against the image degraded to R(t).
 * - readout 'patches' (a 2D tokenizer): the encoder's (H/P)^2 patch grid is quantised, one token
 *   per patch (VQ, FSQ: the raster baseline) or scale by scale (msvq: the next-scale baseline);
 *   the target is the clean image for every prefix.
 * A checkpoint stores the configuration only: a variant with its own parts is rebuilt with the
 * same parts.
 */
export const tokenizer = (c: TokenizerConfig, teacherDim: number, parts: TokenizerParts = {}) => {
  const latents = c.readout === 'latents';
  const enc = encoder(c);
  const patchEnc = patchEncoder(c);
  const quantizer = quantizerFor(c);
  const dec = decoder(c, quantizer.decoderRows(c.tokens));
  const align = sequential([
    linear({ in: c.codeDim, out: c.alignHidden }), fn(silu),
    linear({ in: c.alignHidden, out: c.alignHidden }), fn(silu),
    linear({ in: c.alignHidden, out: teacherDim }),
  ] as const);
  const map = parts.resolutionMap ?? powerCurve({ size: c.size, tokens: c.tokens, alpha: c.alpha });
  checkFits(c, 'resolution map', map);
  const degradation: Degradation = parts.degradation
    ?? (latents ? detailflowDegradation(map, c.patch) : degradationOf('identity', c.size, c.tokens, []));
  const sides = targetSides(c, degradation);
  /** dec(t): the side the decoder outputs for a prefix of t tokens (the target's side). */
  const decoderSide = (t: number): number => {
    if (!Number.isInteger(t) || t < 1 || t > c.tokens) throw new RangeError(`decoderSide: t must be an integer in [1, ${c.tokens}], got ${t}`);
    return sides[t - 1];
  };
  return {
    config: c,
    teacherDim,
    resolutionMap: map,
    degradation,
    decoderSide,
    encoder: enc,
    /** The encoder of readout 'patches' (the same ViT read out at its patch grid). */
    patchEncoder: patchEnc,
    decoder: dec,
    quantizer,
    align,
    init: (key: Key): TokenizerParams => ({
      encoder: latents ? enc.init(foldIn(key, 0)) : patchEnc.init(foldIn(key, 0)),
      decoder: dec.init(foldIn(key, 1)),
      codebook: quantizer.init(foldIn(key, 2)),
      // a 2D tokenizer has no alignment head: its token 0 is a patch or the coarsest scale
      align: latents ? align.init(foldIn(key, 3)) : [],
    }),
    /** Clean encoding: images [B, C, H, W] -> quantised tokens [B, N]. */
    encode: (p: Params<TokenizerParams>, images: Node): Quantized => {
      if (!latents) return quantizer.quantize(p.codebook, patchEnc.apply(patchEncoderOf(p.encoder), images));
      const e = latentEncoder(p.encoder);
      return quantizer.quantize(p.codebook, enc.apply(e, images, e.latentTokens));
    },
    /** Decodes the code vectors of the first t tokens [B, t, codeDim] at side dec(t) (or an explicit side). */
    decodeCodes: (p: Params<TokenizerParams>, codes: Node, side?: number): Node =>
      dec.apply(p.decoder, quantizer.toDecoder(codes), side ?? decoderSide(codes.shape[1])),
    /** Decodes token indices [B, t]. */
    decodeIndices: (p: Params<TokenizerParams>, indices: Node, side?: number): Node =>
      dec.apply(p.decoder, quantizer.toDecoder(quantizer.lookup(p.codebook, indices)), side ?? decoderSide(indices.shape[1])),
    prefix: (codes: Node, t: number): Node => sliceAxis(codes, 1, 0, t),
  };
};

export type Tokenizer = ReturnType<typeof tokenizer>;

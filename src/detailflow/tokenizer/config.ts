import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { ConfigError } from '../../config/errors.ts';
import { configCodec, decodeWith, type ConfigCodec, intIn, numberIn, type Check } from '../../config/codec.ts';
import { fields } from '../config.ts';
import { isSquare } from '../partition.ts';
import { defaultCausal, spanProblems, spansCodec } from '../partition-config.ts';
import { fsqCodeCount } from './quantizers/fsq.ts';
import { quantizerKinds, type QuantizerKind } from './quantizers/quantizer.ts';

/** The quantiser's name: one of the known ones (a refusal lists them). */
const quantizerName = new t.Type<QuantizerKind, QuantizerKind, unknown>(
  `one of ${quantizerKinds.join(', ')}`,
  (u): u is QuantizerKind => typeof u === 'string' && (quantizerKinds as readonly string[]).includes(u),
  (u, c) => (typeof u === 'string' && (quantizerKinds as readonly string[]).includes(u) ? t.success(u as QuantizerKind) : t.failure(u, c)),
  t.identity,
);

/** What a token is read out of (see `readouts`). */
export const readouts = ['latents', 'patches'] as const;
export type Readout = (typeof readouts)[number];
const readoutName = new t.Type<Readout, Readout, unknown>(
  `one of ${readouts.join(', ')}`,
  (u): u is Readout => typeof u === 'string' && (readouts as readonly string[]).includes(u),
  (u, c) => (typeof u === 'string' && (readouts as readonly string[]).includes(u) ? t.success(u as Readout) : t.failure(u, c)),
  t.identity,
);

/** FSQ's levels per channel: 1 to 16 integers in [2, 256] (their product, the code count, is checked against codebookSize). */
const levelsOk = (u: unknown): u is readonly number[] =>
  Array.isArray(u) && u.length >= 1 && u.length <= 16 && u.every((l) => Number.isInteger(l) && l >= 2 && l <= 256);
const fsqLevelsCodec = new t.Type<readonly number[], readonly number[], unknown>(
  'a list of 1 to 16 integers in [2, 256] (levels per channel)',
  levelsOk,
  (u, c) => (levelsOk(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);

/**
 * The tokenizer's configuration: every number is a field. Defaults are the project's small
 * configuration for 32x32 images (the reference's 256px/SigLIP2 sizes do not fit this scale).
 * Bounds are what a real model could use (no published VQ codebook exceeds 2^18 codes), so a
 * checkpoint's metadata cannot claim more.
 */
const props = {
  size: fields.size, channels: fields.channels, patch: fields.patch,
  // spans before causal: causal's default (the leading single-token spans) reads it
  tokens: fields.tokens, group: fields.group, spans: spansCodec, causal: fields.causal, alpha: fields.alpha, degradeProb: fields.degradeProb,
  codebookSize: intIn(2, 1 << 18), codeDim: intIn(1, 1024),
  encoderWidth: intIn(4, 8192), encoderDepth: intIn(1, 256), encoderHeads: intIn(1, 256),
  decoderWidth: intIn(4, 8192), decoderDepth: intIn(1, 256), decoderHeads: intIn(1, 256),
  mlpRatio: intIn(1, 16),
  vqWeight: numberIn(0, 1e6), commitBeta: numberIn(0, 1e6),
  selfCorrection: t.boolean, noiseTopK: intIn(1, 1 << 18),
  alignWeight: numberIn(0, 1e6), alignHidden: intIn(1, 8192),
  perceptualWeight: numberIn(0, 1e6), perceptualWarmup: intIn(0, 1e9),
  quantizer: quantizerName, fsqLevels: fsqLevelsCodec,
  // 'latents': DetailFlow's 1D latent queries; 'patches': the encoder read out at its (size / patch)^2 patches (a 2D tokenizer)
  readout: readoutName,
} as const;

/**
 * `spans` is optional: absent, the partition is DetailFlow's (C ones, then groups of g), as in
 * every checkpoint written before the field existed; present, the span sizes in order (see
 * partition-config.ts).
 */
export type TokenizerConfig = { readonly [K in Exclude<keyof typeof props, 'spans'>]: t.TypeOf<(typeof props)[K]> } & { readonly spans?: readonly number[] };

export const tokenizerDefaults: TokenizerConfig = {
  size: 32, channels: 1, patch: 4, tokens: 32, group: 4, causal: 4, alpha: 1.5, degradeProb: 0.2,
  codebookSize: 1024, codeDim: 8,
  encoderWidth: 128, encoderDepth: 4, encoderHeads: 4, decoderWidth: 128, decoderDepth: 4, decoderHeads: 4, mlpRatio: 4,
  vqWeight: 1, commitBeta: 0.25, selfCorrection: true, noiseTopK: 50,
  alignWeight: 1, alignHidden: 256, perceptualWeight: 1, perceptualWarmup: 500,
  // a configuration (or checkpoint) without these fields is today's l2-normalised VQ
  quantizer: 'vq', fsqLevels: Object.freeze([8, 5, 5, 5]),
  // a configuration (or checkpoint) without it is DetailFlow's 1D tokenizer
  readout: 'latents',
};

type P = typeof props;
const check = <K extends keyof P & string>(fs: readonly K[], problem: (v: TokenizerConfig) => string | null): Check<P> =>
  ({ fields: fs, problem: problem as Check<P>['problem'] });

// The (g, C) rules hold for DetailFlow's implicit partition; an explicit one (`spans`) is checked span by span.
const implicit = (v: TokenizerConfig): boolean => v.spans === undefined;

const checks: Check<P>[] = [
  check(['tokens', 'group'], (v) => (!implicit(v) || v.tokens % v.group === 0 ? null : `tokens (N = ${v.tokens}) must be a multiple of group (g = ${v.group})`)),
  check(['causal', 'group'], (v) => (!implicit(v) || v.causal % v.group === 0 ? null : `causal (C = ${v.causal}) must be a multiple of group (g = ${v.group})`)),
  check(['causal', 'tokens'], (v) => (v.causal <= v.tokens ? null : `causal (C = ${v.causal}) must not exceed tokens (N = ${v.tokens})`)),
  check(['size', 'patch'], (v) => (v.size % v.patch === 0 ? null : `size (${v.size}) must be a multiple of patch (${v.patch})`)),
  check(['tokens', 'group', 'degradeProb'], (v) => (!implicit(v) || v.degradeProb === 0 || v.tokens >= 2 * v.group ? null : `tokens must be at least 2 * group when degradeProb > 0`)),
  // an explicit partition: spans summing to N, the causal window on span boundaries, sizes that do not decrease
  check(['spans', 'tokens', 'group', 'causal', 'degradeProb'], (v) => {
    const p = spanProblems(v);
    return p.length > 0 ? `spans: ${p.join('; ')}` : null;
  }),
  check(['encoderWidth', 'encoderHeads'], (v) => (v.encoderWidth % v.encoderHeads === 0 ? null : `encoderWidth ${v.encoderWidth} must be divisible by encoderHeads ${v.encoderHeads}`)),
  check(['decoderWidth', 'decoderHeads'], (v) => (v.decoderWidth % v.decoderHeads === 0 ? null : `decoderWidth ${v.decoderWidth} must be divisible by decoderHeads ${v.decoderHeads}`)),
  check(['decoderWidth'], (v) => (v.decoderWidth % 4 === 0 ? null : `decoderWidth ${v.decoderWidth} must be a multiple of 4 (2D sine-cosine positions)`)),
  check(['noiseTopK', 'codebookSize'], (v) => (v.noiseTopK <= v.codebookSize ? null : `noiseTopK ${v.noiseTopK} must not exceed codebookSize ${v.codebookSize}`)),
  // FSQ: codebookSize stays the code count (the AR vocabulary) everywhere, so it must be the grid's size
  check(['quantizer', 'fsqLevels', 'codebookSize'], (v) => {
    if (v.quantizer !== 'fsq') return null;
    const n = fsqCodeCount(v.fsqLevels);
    return v.codebookSize === n ? null : `codebookSize ${v.codebookSize} must be the FSQ code count, the product of fsqLevels [${v.fsqLevels.join(', ')}] = ${n}`;
  }),
  check(['quantizer', 'fsqLevels', 'codeDim'], (v) => (v.quantizer !== 'fsq' || v.codeDim === v.fsqLevels.length ? null
    : `codeDim ${v.codeDim} must be the number of FSQ channels, the length of fsqLevels [${v.fsqLevels.join(', ')}] = ${v.fsqLevels.length}`)),
  check(['quantizer', 'noiseTopK', 'codebookSize'], (v) => (v.quantizer !== 'fsq' || v.noiseTopK < v.codebookSize ? null
    : `noiseTopK ${v.noiseTopK} must be below codebookSize ${v.codebookSize} for FSQ (its noise is among the other codes)`)),
  // a 2D tokenizer (patch readout): one token per patch, or with msvq one per cell of every scale of the patch grid
  check(['readout', 'quantizer', 'tokens', 'size', 'patch'], (v) => {
    const patches = (v.size / v.patch) ** 2;
    return v.readout !== 'patches' || v.quantizer === 'msvq' || v.tokens === patches ? null
      : `tokens must be the patch count (size / patch)^2 = ${patches} for readout 'patches', got ${v.tokens}`;
  }),
  check(['readout', 'selfCorrection'], (v) => (v.readout !== 'patches' || !v.selfCorrection ? null
    : `selfCorrection must be false for readout 'patches' (a 2D tokenizer has no latent queries to re-encode with)`)),
  check(['readout', 'alignWeight'], (v) => (v.readout !== 'patches' || v.alignWeight === 0 ? null
    : `alignWeight must be 0 for readout 'patches' (token 0 is a patch or the coarsest scale, not a global summary with an alignment head)`)),
  check(['readout', 'degradeProb'], (v) => (v.readout !== 'patches' || v.degradeProb === 0 ? null
    : `degradeProb must be 0 for readout 'patches' (a 2D tokenizer is trained on the clean image only)`)),
  // VAR's multi-scale residual VQ: a patch grid, one span of s^2 tokens per scale, the last scale the grid itself
  check(['quantizer', 'readout'], (v) => (v.quantizer !== 'msvq' || v.readout === 'patches' ? null
    : `quantizer msvq quantises the 2D patch grid scale by scale: readout must be 'patches', got '${v.readout}'`)),
  // (a check runs only when its fields are present, so the missing spans are a check of their own)
  check(['quantizer', 'size', 'patch'], (v) => (v.quantizer !== 'msvq' || v.spans !== undefined ? null
    : `quantizer msvq needs spans, one of s^2 tokens per scale, the last ${(v.size / v.patch) ** 2} (the ${v.size / v.patch} x ${v.size / v.patch} patch grid), e.g. [1, 4, 9, 16, 25, 36, 64]`)),
  check(['quantizer', 'spans', 'size', 'patch'], (v) => (v.quantizer !== 'msvq' || v.spans === undefined ? null : msvqSpanProblem(v.spans, v.size / v.patch))),
];

/** What msvq asks of the spans: each s^2 tokens (one scale), the last the (size / patch)^2 grid; null when they fit. */
const msvqSpanProblem = (spans: readonly number[], grid: number): string | null => {
  const notSquare = spans.findIndex((n) => !isSquare(n));
  if (notSquare >= 0) return `spans: span ${notSquare} has ${spans[notSquare]} tokens, not a square s^2 (quantizer msvq: one span per scale of s x s cells)`;
  const last = spans[spans.length - 1];
  return last === grid * grid ? null : `spans: the last span has ${last} tokens; quantizer msvq's last scale is the ${grid} x ${grid} patch grid, ${grid * grid} tokens`;
};

const defaultsFor = {
  ...tokenizerDefaults,
  // absent stays absent (DetailFlow's partition); with spans, causal defaults to their leading single-token spans
  spans: () => undefined,
  causal: (v: Partial<TokenizerConfig>) => (v.spans === undefined ? tokenizerDefaults.causal : defaultCausal(v.spans)),
};

export const TokenizerConfigCodec = configCodec('TokenizerConfig', props, defaultsFor as never, checks, { strict: true }) as unknown as ConfigCodec<TokenizerConfig>;

/** Decodes a (partial) tokenizer configuration over the defaults; unknown keys are problems (typos). */
export const decodeTokenizerConfig = (u: unknown): E.Either<ConfigError, TokenizerConfig> => decodeWith(TokenizerConfigCodec, u) as E.Either<ConfigError, TokenizerConfig>;

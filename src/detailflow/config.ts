import type * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import type { ConfigError } from '../config/errors.ts';
import { configCodec, decodeWith, intIn, numberIn, type Check } from '../config/codec.ts';

/**
 * The shared DetailFlow configuration fields (names as in the public API):
 * size H (image side), tokens N, group g, causal C (strictly causal prefix, a multiple of g,
 * default g), alpha (power of R(n)), patch P (ViT patch, the decoder-size quantum),
 * channels, degradeProb (probability that a training step uses a prefix t < N).
 * Upper bounds keep (N-1)^alpha finite and the resampling matrices a sane size.
 */
export const fields = {
  size: intIn(1, 8192),
  tokens: intIn(2, 65536),
  group: intIn(1, 65536),
  causal: intIn(1, 65536),
  // alpha >= 1: the coarse-to-fine laws (concavity, increments) hold only there.
  alpha: numberIn(1, 16),
  patch: intIn(1, 8192),
  channels: intIn(1, 4096),
  degradeProb: numberIn(0, 1),
} as const;

/** The reference's values, used when a field is omitted (causal defaults to the group size). */
export const defaults = { alpha: 1.5, patch: 16, channels: 3, degradeProb: 0.2 } as const;

type F = typeof fields;

const tokensByGroup: Check<Pick<F, 'tokens' | 'group'>> = {
  fields: ['tokens', 'group'],
  problem: (v) => (v.tokens % v.group === 0 ? null : `tokens (N = ${v.tokens}) must be a multiple of group (g = ${v.group})`),
};
const causalByGroup: Check<Pick<F, 'causal' | 'group'>> = {
  fields: ['causal', 'group'],
  problem: (v) => (v.causal % v.group === 0 ? null : `causal (C = ${v.causal}) must be a multiple of group (g = ${v.group})`),
};
const causalWithinTokens: Check<Pick<F, 'causal' | 'tokens'>> = {
  fields: ['causal', 'tokens'],
  problem: (v) => (v.causal <= v.tokens ? null : `causal (C = ${v.causal}) must not exceed tokens (N = ${v.tokens})`),
};
const patchFitsSize: Check<Pick<F, 'size' | 'patch'>> = {
  fields: ['size', 'patch'],
  problem: (v) =>
    v.size < v.patch ? `size (H = ${v.size}) must be at least patch (P = ${v.patch})`
      : v.size % v.patch !== 0 ? `size (H = ${v.size}) must be a multiple of patch (P = ${v.patch}), so that dec(N) = H`
        : null,
};
// randint(1, N-g+1) in the reference needs N - g >= 1 whenever the degraded branch can occur.
const roomForPrefix: Check<Pick<F, 'tokens' | 'group' | 'degradeProb'>> = {
  fields: ['tokens', 'group', 'degradeProb'],
  problem: (v) => (v.degradeProb === 0 || v.tokens >= 2 * v.group ? null
    : `tokens (N = ${v.tokens}) must be at least 2 * group (${2 * v.group}) when degradeProb > 0: a degraded step draws t0 from 1..N-g`),
};

const causalDefault = (v: { group?: number }): number | undefined => v.group;

export const ResolutionConfig = configCodec('ResolutionConfig',
  { size: fields.size, tokens: fields.tokens, alpha: fields.alpha },
  { alpha: defaults.alpha });
export type ResolutionConfig = t.TypeOf<typeof ResolutionConfig>;

export const DecoderConfig = configCodec('DecoderConfig',
  { size: fields.size, tokens: fields.tokens, alpha: fields.alpha, patch: fields.patch },
  { alpha: defaults.alpha, patch: defaults.patch },
  [patchFitsSize]);
export type DecoderConfig = t.TypeOf<typeof DecoderConfig>;

export const GroupConfig = configCodec('GroupConfig',
  { group: fields.group, causal: fields.causal },
  { causal: causalDefault },
  [causalByGroup]);
export type GroupConfig = t.TypeOf<typeof GroupConfig>;

export const MaskConfig = configCodec('MaskConfig',
  { length: intIn(1, 65536), group: fields.group, causal: fields.causal },
  { causal: causalDefault },
  [causalByGroup]);
export type MaskConfig = t.TypeOf<typeof MaskConfig>;

export const EncoderMaskConfig = configCodec('EncoderMaskConfig',
  { patches: intIn(0, 65536), latents: intIn(1, 65536), group: fields.group, causal: fields.causal },
  { causal: causalDefault },
  [causalByGroup]);
export type EncoderMaskConfig = t.TypeOf<typeof EncoderMaskConfig>;

export const PlanConfig = configCodec('PlanConfig',
  { tokens: fields.tokens, group: fields.group, causal: fields.causal },
  { causal: causalDefault },
  [tokensByGroup, causalByGroup, causalWithinTokens]);
export type PlanConfig = t.TypeOf<typeof PlanConfig>;

export const PrefixConfig = configCodec('PrefixConfig',
  { tokens: fields.tokens, group: fields.group, causal: fields.causal, degradeProb: fields.degradeProb },
  { causal: causalDefault, degradeProb: defaults.degradeProb },
  [tokensByGroup, causalByGroup, causalWithinTokens, roomForPrefix]);
export type PrefixConfig = t.TypeOf<typeof PrefixConfig>;

/** Everything at once (the CLI's `schedule` and whole-pipeline users). */
export const DetailFlowConfig = configCodec('DetailFlowConfig',
  {
    size: fields.size, tokens: fields.tokens, group: fields.group, causal: fields.causal, alpha: fields.alpha,
    patch: fields.patch, channels: fields.channels, degradeProb: fields.degradeProb,
  },
  { causal: causalDefault, alpha: defaults.alpha, patch: defaults.patch, channels: defaults.channels, degradeProb: defaults.degradeProb },
  [tokensByGroup, causalByGroup, causalWithinTokens, patchFitsSize, roomForPrefix]);
export type DetailFlowConfig = t.TypeOf<typeof DetailFlowConfig>;

export const decodeResolutionConfig = (u: unknown): E.Either<ConfigError, ResolutionConfig> => decodeWith(ResolutionConfig, u);
export const decodeDecoderConfig = (u: unknown): E.Either<ConfigError, DecoderConfig> => decodeWith(DecoderConfig, u);
export const decodeGroupConfig = (u: unknown): E.Either<ConfigError, GroupConfig> => decodeWith(GroupConfig, u);
export const decodeMaskConfig = (u: unknown): E.Either<ConfigError, MaskConfig> => decodeWith(MaskConfig, u);
export const decodeEncoderMaskConfig = (u: unknown): E.Either<ConfigError, EncoderMaskConfig> => decodeWith(EncoderMaskConfig, u);
export const decodePlanConfig = (u: unknown): E.Either<ConfigError, PlanConfig> => decodeWith(PlanConfig, u);
export const decodePrefixConfig = (u: unknown): E.Either<ConfigError, PrefixConfig> => decodeWith(PrefixConfig, u);
export const decodeDetailFlowConfig = (u: unknown): E.Either<ConfigError, DetailFlowConfig> => decodeWith(DetailFlowConfig, u);

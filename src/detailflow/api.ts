import * as E from 'fp-ts/lib/Either.js';
import type * as O from 'fp-ts/lib/Option.js';
import { pipe } from 'fp-ts/lib/function.js';
import { ConfigError } from '../config/errors.ts';
import type { Key } from '../random/key.ts';
import { orThrow } from '../config/codec.ts';
import {
  decodeDecoderConfig, decodeDetailFlowConfig, decodePlanConfig, decodePrefixConfig, decodeResolutionConfig,
  type DecoderConfig, type DetailFlowConfig, type ResolutionConfig,
} from './config.ts';
import { decoderSizes, snapToPatch } from './decoder-size.ts';
import { degradeReferenceHost } from './degradation.ts';
import { checkHostImage, type HostImage } from './host-image.ts';
import { encoderRows, groupCausalRows } from './masks.ts';
import { checkPrefix, sampleNoiseSpan as sampleSpan, type Span } from './noise-span.ts';
import { passPlan as plan } from './pass-plan.ts';
import { prefixDistribution as distribution, prefixProbabilities, samplePrefix as sampleT, type Weighted } from './prefix-schedule.ts';
import { powerContinuous, powerCurve, truncClamp } from './resolution.ts';

/**
 * The plain-data API: numbers and arrays in and out, no backend. Every input is decoded; the
 * `try*` forms return Either<ConfigError, _>, the plain forms throw that ConfigError, whose
 * `problems` lists every problem found.
 */

const checkN = (n: number, tokens: number, what = 'n'): E.Either<ConfigError, number> =>
  Number.isInteger(n) && n >= 1 && n <= tokens ? E.right(n)
    : E.left(new ConfigError([`${what}: expected an integer in [1, ${tokens}], got ${String(n)}`], 'token count'));

/** Joins two validations so that both sets of problems are reported. */
const both = <A, B>(a: E.Either<ConfigError, A>, b: (a: A) => E.Either<ConfigError, B>, bAlone: E.Either<ConfigError, unknown>): E.Either<ConfigError, B> =>
  E.isLeft(a) ? (E.isLeft(bAlone) ? E.left(new ConfigError([...a.left.problems, ...bAlone.left.problems])) : a) : b(a.right);

// n needs N to check its range; when the config fails, still check that n is a positive integer.
const loneN = (n: number): E.Either<ConfigError, number> =>
  Number.isInteger(n) && n >= 1 ? E.right(n) : E.left(new ConfigError([`n: expected a positive integer, got ${String(n)}`]));

// One value of the power curve without building the whole table (same formula as powerCurve).
const powerAt = (c: ResolutionConfig, n: number): number => truncClamp(powerContinuous(c.size, c.tokens, c.alpha)(n), c.size);

export const tryResolution = (n: number, cfg: Partial<ResolutionConfig>): E.Either<ConfigError, number> =>
  both(decodeResolutionConfig(cfg), (c) => pipe(checkN(n, c.tokens), E.map((k) => powerAt(c, k))), loneN(n));

/** R(n) = clamp(trunc(H - (H-1)/(N-1)^alpha * (N-n)^alpha), 1, H); alpha defaults to 1.5. Throws ConfigError. */
export const resolution = (n: number, cfg: Partial<ResolutionConfig>): number => orThrow(tryResolution(n, cfg));

export const tryDecoderSize = (n: number, cfg: Partial<DecoderConfig>): E.Either<ConfigError, number> =>
  both(decodeDecoderConfig(cfg), (c) => pipe(checkN(n, c.tokens), E.map((k) => snapToPatch(powerAt(c, k), c.patch))), loneN(n));

/** dec(n) = max(P, P*ceil(R(n)/P)); patch defaults to 16. Throws ConfigError. */
export const decoderSize = (n: number, cfg: Partial<DecoderConfig>): number => orThrow(tryDecoderSize(n, cfg));

const tryRows = <A>(f: () => A): E.Either<ConfigError, A> => {
  try {
    return E.right(f());
  } catch (e) {
    if (e instanceof ConfigError) return E.left(e);
    throw e;
  }
};

export const tryGroupCausalMask = (length: number, cfg: { group: number; causal?: number }): E.Either<ConfigError, boolean[][]> =>
  tryRows(() => groupCausalRows(length, cfg));

/** The AR mask, true = may attend: j <= i for i < C, else floor(j/g) <= floor(i/g). Throws ConfigError. */
export const groupCausalMask = (length: number, cfg: { group: number; causal?: number }): boolean[][] => groupCausalRows(length, cfg);

export const tryEncoderMask = (patches: number, latents: number, cfg: { group: number; causal?: number }): E.Either<ConfigError, boolean[][]> =>
  tryRows(() => encoderRows(patches, latents, cfg));

/** The tokenizer encoder mask over [patches ; latents], true = may attend. Throws ConfigError. */
export const encoderMask = (patches: number, latents: number, cfg: { group: number; causal?: number }): boolean[][] =>
  encoderRows(patches, latents, cfg);

export const tryPassPlan = (cfg: { tokens: number; group: number; causal?: number }): E.Either<ConfigError, Span[]> =>
  pipe(decodePlanConfig(cfg), E.map((c) => plan(c).map((s) => ({ ...s }))));

/** One {start, end} token range per forward pass of the grouped sampler. Throws ConfigError. */
export const passPlan = (cfg: { tokens: number; group: number; causal?: number }): Span[] => orThrow(tryPassPlan(cfg));

type PrefixInput = { tokens: number; group: number; causal?: number; degradeProb?: number };

export const tryPrefixDistribution = (cfg: PrefixInput): E.Either<ConfigError, Weighted[]> =>
  pipe(decodePrefixConfig(cfg), E.map((c) => distribution(c).map((w) => ({ ...w }))));

/** The training prefix distribution as [{t, p}] (positive p only, ascending t); degradeProb defaults to 0.2. Throws ConfigError. */
export const prefixDistribution = (cfg: PrefixInput): Weighted[] => orThrow(tryPrefixDistribution(cfg));

/** One training prefix t drawn with `key`. Throws ConfigError. */
export const samplePrefix = (key: Key, cfg: PrefixInput): number => sampleT(key, orThrow(decodePrefixConfig(cfg)));

/** The self-correction noise span for prefix t (None for t = 1). Throws ConfigError on a bad t or config. */
export const sampleNoiseSpan = (key: Key, t: number, cfg: { tokens: number; group: number; causal?: number }): O.Option<Span> => {
  const c = orThrow(decodePlanConfig(cfg));
  return sampleSpan(key, orThrow(checkPrefix(t, c)), c);
};

export type DegradeInput = Partial<DecoderConfig>;

export const tryDegradeImage = (img: HostImage, t: number, cfg: DegradeInput): E.Either<ConfigError, HostImage> => {
  const im = checkHostImage(img);
  const c = decodeDecoderConfig({ ...cfg, size: cfg.size ?? (E.isRight(im) ? im.right.height : undefined) });
  const problems = [...(E.isLeft(im) ? im.left.problems : []), ...(E.isLeft(c) ? c.left.problems : [])];
  if (E.isRight(c)) {
    if (E.isLeft(checkN(t, c.right.tokens, 't'))) problems.push(`t: expected an integer in [1, ${c.right.tokens}], got ${String(t)}`);
    if (E.isRight(im) && (im.right.height !== c.right.size || im.right.width !== c.right.size)) {
      problems.push(`image: expected ${c.right.size} x ${c.right.size} (size), got ${im.right.height} x ${im.right.width}`);
    }
  }
  if (problems.length > 0 || E.isLeft(im) || E.isLeft(c)) return E.left(new ConfigError(problems, 'degradeImage input'));
  return E.right(degradeReferenceHost(powerCurve(c.right), c.right.patch, im.right, t));
};

/**
 * The training target for prefix t: area-downsample to R(t), bicubic-upsample to dec(t)
 * (PyTorch semantics, no clamp). `data` is channel-major; size defaults to the image height.
 * Returns the same record shape at side dec(t). Throws ConfigError.
 */
export const degradeImage = (img: HostImage, t: number, cfg: DegradeInput): HostImage => orThrow(tryDegradeImage(img, t, cfg));

export interface ScheduleRow {
  readonly n: number;
  readonly resolution: number;
  readonly decoderSize: number;
  readonly trainProb: number;
}

export interface Schedule {
  readonly rows: ScheduleRow[];
  readonly passes: Span[];
}

export const trySchedule = (cfg: Partial<DetailFlowConfig>): E.Either<ConfigError, Schedule> =>
  pipe(decodeDetailFlowConfig(cfg), E.map((c) => {
    const map = powerCurve(c);
    const dec = decoderSizes(map, c.patch);
    const probs = prefixProbabilities(c);
    return {
      rows: map.values.map((r, i) => ({ n: i + 1, resolution: r, decoderSize: dec[i], trainProb: probs[i] })),
      passes: plan(c).map((s) => ({ ...s })),
    };
  }));

/** The whole schedule for a config: per n its R, dec and training probability, and the pass plan. Throws ConfigError. */
export const schedule = (cfg: Partial<DetailFlowConfig>): Schedule => orThrow(trySchedule(cfg));

import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { ConfigError } from '../../config/errors.ts';
import { configCodec, decodeWith, type ConfigCodec, intIn, numberIn, type Check } from '../../config/codec.ts';
import { fields } from '../config.ts';
import { defaultCausal, spanProblems, spansCodec } from '../partition-config.ts';

/** find_multiple(n, k): the smallest multiple of k that is >= n (LlamaGen's FFN sizing). */
export const findMultiple = (n: number, k: number): number => (n % k === 0 ? n : n + k - (n % k));

/** LlamaGen's SwiGLU width: find_multiple(int(2 * 4 * width / 3), 256); 2816 for width 1024, 768 for 256. */
export const llamaMlpHidden = (width: number, multipleOf = 256): number => findMultiple(Math.floor((2 * 4 * width) / 3), multipleOf);

const rate = numberIn(0, 0.99);

/**
 * The AR model (LlamaGen c2i GPT as used by DetailFlow). Sizes: vocab V (the tokenizer's codebook
 * size), tokens N, group g, causal C (strictly causal prefix, default g), classes (+1 null class
 * when nullClass), width, depth, heads, mlpHidden. Dropouts as in gpt.py (token/embedding,
 * residual after wo, FFN output, attention probabilities).
 *
 * Reference quirks, reproduced by default so that reference weights load unchanged:
 * - classZeroRotation: the class position's RoPE row is a zero (cos, sin) pair, so its q and k
 *   are zeroed in every layer (false: the identity rotation).
 * - placeholderInitStd: the g-1 placeholder (`spe`) embeddings keep PyTorch's N(0, 1) init,
 *   because they are created after initialize_weights().
 * - headInitStd 0: the output head is zero-initialised (every logit starts at 0).
 */
const props = {
  // spans before causal: causal's default (the leading single-token spans) reads it
  vocab: intIn(2, 1 << 18), tokens: fields.tokens, group: fields.group, spans: spansCodec, causal: fields.causal,
  classes: intIn(1, 1 << 16), nullClass: t.boolean,
  width: intIn(4, 16384), depth: intIn(1, 256), heads: intIn(1, 256), mlpHidden: intIn(1, 1 << 16),
  normEps: numberIn(0, 1), ropeBase: numberIn(1, 1e9),
  embedDropout: rate, residDropout: rate, ffnDropout: rate, attnDropout: rate,
  initStd: numberIn(0, 100), headInitStd: numberIn(0, 100),
  classZeroRotation: t.boolean, placeholderInitStd: numberIn(0, 100),
  ropeWidth: intIn(1, 65536),
  inputs: t.keyof({ shifted: null, scales: null }, "'shifted' or 'scales'"),
} as const;

/**
 * `spans` (the partition's span sizes; absent: DetailFlow's C ones then groups of g),
 * `ropeWidth` (the 2D RoPE grid's width; absent: g) and `inputs` are optional, so every
 * configuration and checkpoint written before them decodes to the same model.
 *
 * `inputs: 'scales'` is the next-scale layout: every span is one s x s scale, its positions hold
 * the previous scale upsampled (nearest) instead of the previous span in order, and 2D RoPE
 * rotates each position by the centre of its cell on the finest scale's grid (instead of a flat
 * grid of width ropeWidth), so a cell and the coarser cells under it share a place.
 */
type Optional = 'spans' | 'ropeWidth' | 'inputs';
export type ArConfig = { readonly [K in Exclude<keyof typeof props, Optional>]: t.TypeOf<(typeof props)[K]> }
  & { readonly spans?: readonly number[]; readonly ropeWidth?: number; readonly inputs?: 'shifted' | 'scales' };

/**
 * This project's small model (N = 32 tokens, g = C = 4, V = 1024, 10 classes, width 256, 8 layers,
 * 8 heads of 32), sized for the 32x32 tokenizer; the reference's GPT-L is `arPresets.referenceGptL`.
 * mlpHidden defaults to llamaMlpHidden(width).
 */
export const arDefaults: Omit<ArConfig, 'mlpHidden' | 'causal'> = {
  vocab: 1024, tokens: 32, group: 4, classes: 10, nullClass: true,
  width: 256, depth: 8, heads: 8, normEps: 1e-5, ropeBase: 10000,
  embedDropout: 0.1, residDropout: 0.1, ffnDropout: 0.1, attnDropout: 0,
  initStd: 0.02, headInitStd: 0, classZeroRotation: true, placeholderInitStd: 1,
};

/** Named configurations: `small` (the defaults) and the reference's GPT-L for DetailFlow-16. */
export const arPresets = {
  small: {},
  referenceGptL: { vocab: 8192, tokens: 128, group: 8, causal: 8, classes: 1000, width: 1024, depth: 24, heads: 16, mlpHidden: 2816 },
} as const satisfies Record<string, Partial<ArConfig>>;

export type ArPresetName = keyof typeof arPresets;

type P = typeof props;
const check = (fs: readonly (keyof P & string)[], problem: (v: ArConfig) => string | null): Check<P> =>
  ({ fields: fs, problem: problem as Check<P>['problem'] });

// The (g, C) rules hold for DetailFlow's implicit partition; an explicit one (`spans`) is checked span by span.
const implicit = (v: ArConfig): boolean => v.spans === undefined;

const checks: Check<P>[] = [
  check(['tokens', 'group'], (v) => (!implicit(v) || v.tokens % v.group === 0 ? null : `tokens (N = ${v.tokens}) must be a multiple of group (g = ${v.group})`)),
  check(['causal', 'group'], (v) => (!implicit(v) || v.causal % v.group === 0 ? null : `causal (C = ${v.causal}) must be a multiple of group (g = ${v.group})`)),
  check(['causal', 'tokens'], (v) => (v.causal <= v.tokens ? null : `causal (C = ${v.causal}) must not exceed tokens (N = ${v.tokens})`)),
  check(['spans', 'tokens', 'group', 'causal'], (v) => {
    const p = spanProblems(v);
    return p.length > 0 ? `spans: ${p.join('; ')}` : null;
  }),
  // (a check runs only when its fields are present: the scales layout without spans is its own check)
  check(['inputs', 'tokens', 'group', 'causal'], (v) => (v.inputs === 'scales' && v.spans === undefined ? `inputs: ${spanProblems(v).join('; ')}` : null)),
  check(['inputs', 'ropeWidth'], (v) => (v.inputs === 'scales' ? `ropeWidth does not apply with inputs 'scales' (positions are the scales' cells): leave it out` : null)),
  check(['width', 'heads'], (v) => (v.width % v.heads === 0 ? null : `width ${v.width} must be divisible by heads ${v.heads}`)),
  // 2D RoPE rotates pairs, half of them by the row and half by the column angle
  check(['width', 'heads'], (v) => (v.width % v.heads !== 0 || (v.width / v.heads) % 4 === 0 ? null
    : `the head size width/heads = ${v.width / v.heads} must be a multiple of 4 (2D rotary embeddings)`)),
];

const defaultsFor = {
  ...arDefaults,
  // absent stays absent (DetailFlow's partition; RoPE width g)
  spans: () => undefined,
  ropeWidth: () => undefined,
  inputs: () => undefined,
  causal: (v: Partial<ArConfig>) => (v.spans === undefined ? v.group : defaultCausal(v.spans)),
  mlpHidden: (v: Partial<ArConfig>) => (v.width === undefined ? undefined : llamaMlpHidden(v.width)),
};

export const ArConfigCodec = configCodec('ArConfig', props, defaultsFor as never, checks, { strict: true }) as unknown as ConfigCodec<ArConfig>;

/** Decodes a (partial) AR configuration over the defaults; unknown keys are problems (typos). */
export const decodeArConfig = (u: unknown): E.Either<ConfigError, ArConfig> => decodeWith(ArConfigCodec, u) as E.Either<ConfigError, ArConfig>;

/** A preset by name, with overrides on top. */
export const decodeArPreset = (name: string, overrides: Partial<ArConfig> = {}): E.Either<ConfigError, ArConfig> =>
  Object.hasOwn(arPresets, name) ? decodeArConfig({ ...arPresets[name as ArPresetName], ...overrides })
    : E.left(new ConfigError([`preset: unknown AR preset '${name}' (known: ${Object.keys(arPresets).join(', ')})`], 'ArConfig'));

/** The index of the null (unconditional) class, or undefined when the model has none. */
export const nullClassOf = (c: ArConfig): number | undefined => (c.nullClass ? c.classes : undefined);

export const headDimOf = (c: ArConfig): number => c.width / c.heads;

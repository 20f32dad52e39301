import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { ConfigError } from '../config/errors.ts';
import { randInt, type Key } from '../random/key.ts';
import type { PlanConfig } from './config.ts';

/**
 * The self-correction noise span [start, end) for a prefix t (get_noise_token_idx, p = 1):
 * none for t = 1; for t <= C one token s uniform on 0..t-1; for t > C (a multiple of g, >= C+g)
 * s0 uniform on 0..t-g-1, one token when s0 < C, else the whole group g*floor(s0/g).
 * So end <= t - g when t > C: at least one clean group follows the corruption.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface WeightedSpan extends Span {
  readonly p: number;
}

/** Checks t against the config: 1 <= t <= N, and t > C only as a multiple of g that is >= C + g. */
export const checkPrefix = (t: number, c: PlanConfig): E.Either<ConfigError, number> => {
  if (!Number.isInteger(t) || t < 1 || t > c.tokens) return E.left(new ConfigError([`t: expected an integer in [1, ${c.tokens}], got ${t}`], 'prefix'));
  if (t > c.causal && (t % c.group !== 0 || t < c.causal + c.group)) {
    return E.left(new ConfigError([`t: a prefix longer than causal (C = ${c.causal}) must be a multiple of group (g = ${c.group}), got ${t}`], 'prefix'));
  }
  return E.right(t);
};

const spanFrom = (s0: number, c: PlanConfig): Span => {
  if (s0 < c.causal) return { start: s0, end: s0 + 1 };
  const start = c.group * Math.floor(s0 / c.group);
  return { start, end: start + c.group };
};

/** The closed form: every possible span with its probability, ascending by start; [] for t = 1. */
export const noiseSpanDistribution = (t: number, c: PlanConfig): readonly WeightedSpan[] => {
  if (t <= 1) return [];
  if (t <= c.causal) return Array.from({ length: t }, (_, s) => ({ start: s, end: s + 1, p: 1 / t }));
  const m = t - c.group;
  const out: WeightedSpan[] = [];
  for (let s = 0; s < c.causal; s++) out.push({ start: s, end: s + 1, p: 1 / m });
  for (let s = c.causal; s < m; s += c.group) out.push({ start: s, end: s + c.group, p: c.group / m });
  return out;
};

/** One draw, a pure function of the key; None for t = 1 (no correction there). t must pass checkPrefix. */
export const sampleNoiseSpan = (key: Key, t: number, c: PlanConfig): O.Option<Span> => {
  if (t <= 1) return O.none;
  if (t <= c.causal) {
    const s = randInt(key, t);
    return O.some({ start: s, end: s + 1 });
  }
  return O.some(spanFrom(randInt(key, t - c.group), c));
};

/**
 * Weights of the clean pass and the re-encode pass in the VQ losses (VQModel.encode_image):
 * token-count weighted, N/(2N - e) and (N - e)/(2N - e), summing to 1.
 */
export const vqMixWeights = (tokens: number, end: number): readonly [number, number] =>
  [tokens / (2 * tokens - end), (tokens - end) / (2 * tokens - end)];

import * as E from 'fp-ts/lib/Either.js';
import * as O from 'fp-ts/lib/Option.js';
import { ConfigError } from '../config/errors.ts';
import { GraphError } from '../ir/errors.ts';
import { randInt, type Key } from '../random/key.ts';
import type { PlanConfig } from './config.ts';
import { detailflowPartition, spanEndingAt, spanIndexOf, type Partition, type Span } from './partition.ts';

export type { Span } from './partition.ts';

/**
 * The self-correction noise span [start, end) for a prefix t (get_noise_token_idx, p = 1),
 * derived from the partition: t ends a span; a start token s0 is drawn uniformly from a pool
 * [0, m) and the span holding it is corrupted. Inside the causal window (t <= C) the pool is the
 * whole prefix; past it the prefix's last span is left out, so at least one clean span follows
 * the corruption (end <= t - g for DetailFlow). A prefix within the first span gets no noise
 * (the reference's "none for t = 1"). For DetailFlow: one token s uniform on 0..t-1 for t <= C;
 * for t > C (a multiple of g, >= C+g) s0 uniform on 0..t-g-1, one token when s0 < C, else the
 * whole group g*floor(s0/g).
 */
export interface WeightedSpan extends Span {
  readonly p: number;
}

/** t must end a span: 1 <= t <= N, at a span boundary. */
export const checkPrefixOf = (p: Partition, t: number): E.Either<ConfigError, number> => {
  if (!Number.isInteger(t) || t < 1 || t > p.tokens) return E.left(new ConfigError([`t: expected an integer in [1, ${p.tokens}], got ${t}`], 'prefix'));
  if (spanEndingAt(p, t) < 0) {
    const s = p.spans[spanIndexOf(p, t - 1)];
    return E.left(new ConfigError([`t: a prefix must end at a span boundary, got ${t} inside span [${s.start}, ${s.end})`], 'prefix'));
  }
  return E.right(t);
};

/** The pool [0, m) the noise start is drawn from; 0 when the prefix gets no noise. */
export const noisePool = (p: Partition, t: number): number => {
  if (t <= p.spans[0].end) return 0;
  const k = spanEndingAt(p, t);
  if (k < 0) throw new GraphError('input', 'noiseSpan', `prefix t = ${t} does not end a span of the partition`);
  return t <= p.causal ? t : p.spans[k].start;
};

/** The closed form: every possible span with its probability, ascending by start; [] when there is no noise. */
export const noiseSpanDistributionOf = (p: Partition, t: number): readonly WeightedSpan[] => {
  const m = noisePool(p, t);
  return p.spans.filter((s) => s.end <= m).map((s) => ({ start: s.start, end: s.end, p: (s.end - s.start) / m }));
};

/** One draw, a pure function of the key; None when there is no noise. t must pass checkPrefixOf. */
export const sampleNoiseSpanOf = (key: Key, p: Partition, t: number): O.Option<Span> => {
  const m = noisePool(p, t);
  if (m === 0) return O.none;
  const s = p.spans[spanIndexOf(p, randInt(key, m))];
  return O.some({ start: s.start, end: s.end });
};

const ofConfig = (c: PlanConfig): Partition => detailflowPartition(c.tokens, c.group, c.causal);

/** checkPrefixOf for DetailFlow's (N, g, C): t > C only as a multiple of g that is >= C + g. */
export const checkPrefix = (t: number, c: PlanConfig): E.Either<ConfigError, number> => {
  const r = checkPrefixOf(ofConfig(c), t);
  if (E.isRight(r) || !Number.isInteger(t) || t < 1 || t > c.tokens) return r;
  return E.left(new ConfigError([`t: a prefix longer than causal (C = ${c.causal}) must be a multiple of group (g = ${c.group}), got ${t}`], 'prefix'));
};

export const noiseSpanDistribution = (t: number, c: PlanConfig): readonly WeightedSpan[] => noiseSpanDistributionOf(ofConfig(c), t);

export const sampleNoiseSpan = (key: Key, t: number, c: PlanConfig): O.Option<Span> => sampleNoiseSpanOf(key, ofConfig(c), t);

/**
 * Weights of the clean pass and the re-encode pass in the VQ losses (VQModel.encode_image):
 * token-count weighted, N/(2N - e) and (N - e)/(2N - e), summing to 1.
 */
export const vqMixWeights = (tokens: number, end: number): readonly [number, number] =>
  [tokens / (2 * tokens - end), (tokens - end) / (2 * tokens - end)];

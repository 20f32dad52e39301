import { GraphError } from '../ir/errors.ts';
import { randInt, split, uniformHost, type Key } from '../random/key.ts';
import type { PrefixConfig } from './config.ts';
import { coveringPartition, detailflowPartition, spanIndexOf, type GroupLayout, type Partition } from './partition.ts';

/**
 * The training prefix t (ResolutionDegradation.get_input_output_img), drawn once per step:
 * with probability 1 - p_deg, t = N (clean target); otherwise t0 is uniform on 1..N-h and
 * rounded up to the end of the span holding token t0 - 1, so t always ends a span. h, the
 * holdout, defaults to the last span's size; DetailFlow's is g (which its spans do not tell
 * when C = N), so for DetailFlow t0 > C is rounded up to a multiple of g, t never equals N in
 * the degraded branch, and C < t < C + g never occurs.
 */
export interface Weighted {
  readonly t: number;
  readonly p: number;
}

export interface PrefixOptions {
  readonly degradeProb: number;
  /** The degraded branch draws t0 from 1..N - holdout; default: the last span's size. */
  readonly holdout?: number;
}

const holdoutOf = (p: Partition, o: PrefixOptions): number => {
  const last = p.spans[p.spans.length - 1];
  const h = o.holdout ?? last.end - last.start;
  if (!(Number.isFinite(o.degradeProb) && o.degradeProb >= 0 && o.degradeProb <= 1)) {
    throw new GraphError('config', 'prefixSchedule', `degradeProb: expected a number in [0, 1], got ${o.degradeProb}`);
  }
  if (!Number.isInteger(h) || h < 0 || (o.degradeProb > 0 && h >= p.tokens)) {
    throw new GraphError('config', 'prefixSchedule', `holdout ${h}: expected an integer in [0, ${p.tokens - 1}] (a degraded step draws t0 from 1..N-holdout, N = ${p.tokens})`);
  }
  return h;
};

/** The degraded branch's rounding rule, t0 -> the end of the span holding token t0 - 1. */
export const roundPrefixOf = (p: Partition, t0: number): number => p.spans[spanIndexOf(p, t0 - 1)].end;

/**
 * The closed form, ascending in t, zero-probability values left out: a span [a, b) gets
 * p * |(a, b] ∩ [1, N-h]| / (N-h) (for DetailFlow p/(N-g) for t <= min(C, N-g), p*g/(N-g) for
 * multiples of g in (C, N-g]); t = N gets 1 - p more. (With p = 0 only t = N remains.)
 */
export const prefixDistributionOf = (pt: Partition, o: PrefixOptions): readonly Weighted[] => {
  const span = pt.tokens - holdoutOf(pt, o);
  const p = o.degradeProb;
  const out: Weighted[] = [];
  if (p > 0) {
    for (const s of pt.spans) {
      const count = Math.min(s.end, span) - s.start;
      if (count <= 0) break;
      out.push({ t: s.end, p: (p * count) / span });
    }
  }
  if (p < 1) {
    const last = out[out.length - 1];
    if (last?.t === pt.tokens) out[out.length - 1] = { t: last.t, p: last.p + (1 - p) };
    else out.push({ t: pt.tokens, p: 1 - p });
  }
  // A denormal p can underflow p/(N-g) to 0; such entries have no mass.
  return Object.freeze(out.filter((w) => w.p > 0).map((w) => Object.freeze(w)));
};

/** P(t = n) for every n in 1..N (index n - 1), zeros included: the schedule table's column. */
export const prefixProbabilitiesOf = (pt: Partition, o: PrefixOptions): readonly number[] => {
  const probs = new Array<number>(pt.tokens).fill(0);
  for (const w of prefixDistributionOf(pt, o)) probs[w.t - 1] += w.p;
  return Object.freeze(probs);
};

/** One draw of t, a pure function of the key (the branch and t0 use independent children). */
export const samplePrefixOf = (key: Key, pt: Partition, o: PrefixOptions): number => {
  const h = holdoutOf(pt, o);
  const [kBranch, kT0] = split(key, 2);
  if (!(uniformHost(kBranch, 1)[0] < o.degradeProb)) return pt.tokens;
  const t0 = 1 + randInt(kT0, pt.tokens - h);
  return roundPrefixOf(pt, t0);
};

// DetailFlow's schedule: its partition, and the reference's holdout g.
const ofConfig = (c: PrefixConfig): [Partition, PrefixOptions] =>
  [detailflowPartition(c.tokens, c.group, c.causal), { degradeProb: c.degradeProb, holdout: c.group }];

/** roundPrefixOf for DetailFlow's (g, C): t0 > C is rounded up to a multiple of g. */
export const roundPrefix = (t0: number, o: GroupLayout): number => roundPrefixOf(coveringPartition(o, t0), t0);

export const prefixDistribution = (c: PrefixConfig): readonly Weighted[] => prefixDistributionOf(...ofConfig(c));

export const prefixProbabilities = (c: PrefixConfig): readonly number[] => prefixProbabilitiesOf(...ofConfig(c));

export const samplePrefix = (key: Key, c: PrefixConfig): number => {
  const [p, o] = ofConfig(c);
  return samplePrefixOf(key, p, o);
};

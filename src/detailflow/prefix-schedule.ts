import { randInt, split, uniformHost, type Key } from '../random/key.ts';
import type { PrefixConfig } from './config.ts';

/**
 * The training prefix t (ResolutionDegradation.get_input_output_img), drawn once per step:
 * with probability 1 - p_deg, t = N (clean target); otherwise t0 is uniform on 1..N-g and,
 * when t0 > C, rounded up to a multiple of g. So t never equals N in the degraded branch, and
 * C < t < C + g never occurs.
 */
export interface Weighted {
  readonly t: number;
  readonly p: number;
}

/** The degraded branch's rounding rule, t0 -> t. */
export const roundPrefix = (t0: number, o: { group: number; causal: number }): number =>
  t0 > o.causal ? o.group * Math.ceil(t0 / o.group) : t0;

/**
 * The closed form, ascending in t, zero-probability values left out:
 * P(t = j) = p/(N-g) for j <= min(C, N-g); p*g/(N-g) for multiples of g in (C, N-g];
 * P(t = N) = 1 - p. (With p = 0 only t = N remains.)
 */
export const prefixDistribution = (c: PrefixConfig): readonly Weighted[] => {
  const { tokens: N, group: g, causal: C, degradeProb: p } = c;
  const out: Weighted[] = [];
  if (p > 0) {
    const span = N - g;
    for (let j = 1; j <= Math.min(C, span); j++) out.push({ t: j, p: p / span });
    for (let j = C + g; j <= span; j += g) out.push({ t: j, p: (p * g) / span });
  }
  if (p < 1) out.push({ t: N, p: 1 - p });
  // A denormal p can underflow p/(N-g) to 0; such entries have no mass.
  return Object.freeze(out.filter((w) => w.p > 0).map((w) => Object.freeze(w)));
};

/** P(t = n) for every n in 1..N (index n - 1), zeros included: the schedule table's column. */
export const prefixProbabilities = (c: PrefixConfig): readonly number[] => {
  const probs = new Array<number>(c.tokens).fill(0);
  for (const w of prefixDistribution(c)) probs[w.t - 1] += w.p;
  return Object.freeze(probs);
};

/** One draw of t, a pure function of the key (the branch and t0 use independent children). */
export const samplePrefix = (key: Key, c: PrefixConfig): number => {
  const [kBranch, kT0] = split(key, 2);
  if (!(uniformHost(kBranch, 1)[0] < c.degradeProb)) return c.tokens;
  const t0 = 1 + randInt(kT0, c.tokens - c.group);
  return roundPrefix(t0, c);
};

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A step to time: resolves once its results are computed (it reads something back to be sure). */
export type TimedStep = () => Promise<void>;

export interface Timings {
  /** The first call: tracing, planning, kernel compilation and the first run. */
  readonly firstMs: number;
  readonly samplesMs: readonly number[];
  readonly medianMs: number;
}

/**
 * Times several steps interleaved (a, b, a, b, ...) after `warmup` untimed rounds, so that slow
 * drifts of the machine (thermal, other load) hit every contender alike.
 */
export const timeInterleaved = async (steps: readonly TimedStep[], warmup: number, samples: number): Promise<Timings[]> => {
  const first = steps.map(() => 0);
  for (let i = 0; i < steps.length; i++) {
    const t0 = performance.now();
    await steps[i]();
    first[i] = performance.now() - t0;
  }
  for (let w = 1; w < warmup; w++) for (const s of steps) await s();
  const runs: number[][] = steps.map(() => []);
  for (let r = 0; r < samples; r++) {
    for (let i = 0; i < steps.length; i++) {
      const t0 = performance.now();
      await steps[i]();
      runs[i].push(performance.now() - t0);
    }
  }
  return runs.map((rs, i) => ({ firstMs: first[i], samplesMs: rs, medianMs: median(rs) }));
};

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

const timeOne = async (step: TimedStep): Promise<number> => {
  const t0 = performance.now();
  await step();
  return performance.now() - t0;
};

/**
 * Times contenders in blocks: each warms up (`warmup` calls, the first one reported apart), then
 * the timed samples run in two rounds of blocks (a a a b b b, a a b b). Blocks keep a contender's
 * working set warm; the second round spreads slow drifts of the machine over every contender.
 * (Step-by-step interleaving was tried: switching contenders every step inflated both sides.)
 */
export const timeBlocks = async (steps: readonly TimedStep[], warmup: number, samples: number): Promise<Timings[]> => {
  const first = steps.map(() => 0);
  const runs: number[][] = steps.map(() => []);
  const rounds = samples >= 2 ? [Math.ceil(samples / 2), Math.floor(samples / 2)] : [samples];
  for (const [r, count] of rounds.entries()) {
    for (let i = 0; i < steps.length; i++) {
      if (r === 0) {
        first[i] = await timeOne(steps[i]);
        for (let w = 1; w < warmup; w++) await steps[i]();
      }
      for (let k = 0; k < count; k++) runs[i].push(await timeOne(steps[i]));
    }
  }
  return runs.map((rs, i) => ({ firstMs: first[i], samplesMs: rs, medianMs: median(rs) }));
};

/**
 * The shared training loop: runs steps [start, total), logs, checkpoints every `every` steps and
 * at the end, and stops on a non-finite loss or loss term (any metric of the step) naming the
 * terms, the step and the last good checkpoint, which it leaves as it is.
 * Everything random in a step must derive from (run key, step), so that a resumed run repeats an
 * uninterrupted one exactly; the loop itself holds no randomness.
 */
export interface LoopOptions<S> {
  readonly start: number;
  readonly total: number;
  readonly state: S;
  readonly step: (state: S, step: number) => Promise<{ state: S; metrics: Record<string, number> }>;
  readonly checkpointEvery: number;
  /** Writes a checkpoint of `state` after `step` steps; returns where it went. */
  readonly save: (state: S, steps: number) => Promise<string>;
  readonly onMetrics?: (step: number, metrics: Record<string, number>) => void;
  readonly lossKey?: string;
}

export class NonFiniteLossError extends Error {
  /** The metrics that were NaN or infinite, e.g. ['mse', 'loss']. */
  readonly terms: readonly string[];

  constructor(readonly step: number, readonly lastCheckpoint: string | undefined, readonly metrics: Record<string, number>) {
    const terms = Object.keys(metrics).filter((k) => !Number.isFinite(metrics[k]));
    super(`${terms.map((k) => `'${k}' = ${metrics[k]}`).join(', ')} at step ${step + 1}: the run stopped before applying it (all terms: ${JSON.stringify(metrics)}); `
      + (lastCheckpoint ? `the last good checkpoint is ${lastCheckpoint}; resume from it with a lower learning rate` : 'no checkpoint was written yet; start again with a lower learning rate'));
    this.name = 'NonFiniteLossError';
    this.terms = terms;
  }
}

export const trainLoop = async <S>(o: LoopOptions<S>): Promise<{ state: S; lastCheckpoint?: string }> => {
  let state = o.state;
  let last: string | undefined;
  for (let i = o.start; i < o.total; i++) {
    const r = await o.step(state, i);
    const loss = r.metrics[o.lossKey ?? 'loss'];
    if (!Number.isFinite(loss) || Object.values(r.metrics).some((v) => !Number.isFinite(v))) throw new NonFiniteLossError(i, last, r.metrics);
    state = r.state;
    o.onMetrics?.(i + 1, r.metrics);
    if ((i + 1) % o.checkpointEvery === 0 || i + 1 === o.total) last = await o.save(state, i + 1);
  }
  return { state, lastCheckpoint: last };
};

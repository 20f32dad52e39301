/**
 * Where a run's training state lives, behind one interface for the training loop: in this
 * thread (one worker: the whole step as one compiled plan) or in data-parallel replicas.
 * `G` is what one step takes for the whole batch (images, rows, per-step plan).
 */
import { toHost } from '../../compile/compile.ts';
import type { DataParallel } from './coordinator.ts';
import type { HostState } from './protocol.ts';
import type { Metrics, StepInput, Trainer, TrainState } from '../trainer.ts';

export interface TrainingSession<G> {
  /** Workers taking part: 1 in this thread, else the replica count. */
  readonly workers: number;
  step(input: G): Promise<Record<string, number>>;
  /** The state as host arrays (for checkpoints). */
  hostState(): Promise<HostState>;
  /** Drops the state and ends any workers; safe to call twice. */
  close(): Promise<void>;
}


/**
 * One worker: each step is the trainer's fused step on the input of that step index, which
 * consumes the state it replaces; `describe` adds what the step's input says (e.g. the prefix t).
 */
export const localSession = <V, X extends object>(
  initial: TrainState, trainer: Trainer<V, X>, inputs: (step: number) => StepInput<V, X>, describe: (x: StepInput<V, X>) => Metrics = () => ({}),
): TrainingSession<number> => {
  let state: TrainState | undefined = initial;
  const current = (): TrainState => {
    if (!state) throw new Error('this training session was closed');
    return state;
  };
  return {
    workers: 1,
    step: async (i) => {
      const x = inputs(i);
      const r = await trainer.step(current(), x);
      state = r.state;
      return { ...describe(x), ...r.metrics };
    },
    hostState: async () => {
      const s = current();
      return Object.fromEntries(await Promise.all(Object.keys(s).map(async (k) => [k, await toHost(s[k])] as const)));
    },
    close: async () => { state = undefined; },
  };
};

/** Data-parallel replicas: `shard` splits a step's input into one input per replica. */
export const parallelSession = <G, I>(dp: DataParallel<I>, shard: (input: G, count: number) => readonly I[]): TrainingSession<G> => ({
  workers: dp.replicas,
  step: (input) => dp.step(shard(input, dp.replicas)),
  hostState: () => dp.state(),
  close: () => dp.close(),
});

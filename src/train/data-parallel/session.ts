/**
 * Where a run's training state lives, behind one interface for the training loop: in this
 * thread (one worker: the whole step as one compiled plan) or in data-parallel replicas.
 * `G` is what one step takes for the whole batch (images, rows, per-step plan).
 */
import { release } from '../../compile/compile.ts';
import { isDeviceArray, type DeviceArray } from '../../compile/device-array.ts';
import { isHostArray, type HostArray } from '../../ir/host-array.ts';
import { flatten, unflatten, type Tree } from '../../tree/tree.ts';
import type { DataParallel } from './coordinator.ts';
import type { HostState } from './protocol.ts';
import type { TrainState } from './replica.ts';

export interface TrainingSession<G> {
  /** Workers taking part: 1 in this thread, else the replica count. */
  readonly workers: number;
  step(input: G): Promise<Record<string, number>>;
  /** The state as host arrays (for checkpoints). */
  hostState(): Promise<HostState>;
  /** Frees the state and ends any workers (the trainer is the caller's to dispose); safe to call twice. */
  close(): Promise<void>;
}

const hostTree = async (t: Tree<DeviceArray | HostArray>): Promise<Tree<HostArray>> => {
  const { leaves, def } = flatten(t, (x): x is DeviceArray | HostArray => isDeviceArray(x) || isHostArray(x), 'array');
  return unflatten(def, await Promise.all(leaves.map((l) => (isDeviceArray(l) ? l.host() : l))));
};

/** One worker: `step` is the trainer's fused step, which releases the state it replaces. */
export const localSession = <S extends object, G>(
  initial: S, step: (state: S, input: G) => Promise<{ state: S; metrics: Record<string, number> }>,
): TrainingSession<G> => {
  let state: S | undefined = initial;
  const current = (): S => {
    if (!state) throw new Error('this training session was closed');
    return state;
  };
  return {
    workers: 1,
    step: async (input) => {
      const r = await step(current(), input);
      state = r.state;
      return r.metrics;
    },
    hostState: async () => {
      const s = current() as TrainState;
      return Object.fromEntries(await Promise.all(Object.keys(s).map(async (k) => [k, await hostTree(s[k])] as const)));
    },
    close: async () => {
      if (state) release(state);
      state = undefined;
    },
  };
};

/** Data-parallel replicas: `shard` splits a step's input into one input per replica. */
export const parallelSession = <G, I>(dp: DataParallel<I>, shard: (input: G, count: number) => readonly I[]): TrainingSession<G> => ({
  workers: dp.replicas,
  step: (input) => dp.step(shard(input, dp.replicas)),
  hostState: () => dp.state(),
  close: () => dp.close(),
});

/**
 * Training sessions for any objective (Node edge): one worker runs the fused step in this
 * thread, more run data-parallel replicas in worker threads. Used by train-tokenizer, train-ar
 * and `bench train`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { availableParallelism } from 'node:os';
import { isOnnxBackend, type BackendName } from '../compile/backend.ts';
import type { ReplicaRecipe } from '../detailflow/replica-trainers.ts';
import { DataParallel } from '../train/data-parallel/coordinator.ts';
import type { HostState } from '../train/data-parallel/protocol.ts';
import { localSession, parallelSession, type TrainingSession } from '../train/data-parallel/session.ts';
import { replicaCount, ShardError } from '../train/data-parallel/shards.ts';
import { startNodeReplicas } from '../platform/workers/node-replicas.ts';
import { trainLoop } from '../train/loop.ts';
import type { Metrics, StepInput, Trainer, TrainState } from '../train/trainer.ts';

/**
 * --workers: given, it must split the batch evenly; by default one per core on wasm and cpu
 * (each worker's single-threaded backend gets a core), reduced to a divisor of the batch, and
 * one on webgpu (one device) and the ONNX backends (ONNX Runtime threads over all cores within one
 * session, so replicas would only compete for them).
 */
export const chooseWorkers = (flag: number | undefined, batch: number, backend: BackendName): number => {
  if (isOnnxBackend(backend) && flag !== undefined && flag > 1) {
    throw new ShardError(`--workers ${flag}: ${backend} trains in one process (ONNX Runtime threads over all cores itself); drop --workers or use --backend wasm for data-parallel workers`);
  }
  return replicaCount(flag, batch, backend === 'webgpu' || isOnnxBackend(backend) ? 1 : availableParallelism());
};

/** chooseWorkers, with a bad --workers as a flag problem. */
export const workersFlag = (flag: number | undefined, batch: number, backend: BackendName): E.Either<string, number> => {
  try {
    return E.right(chooseWorkers(flag, batch, backend));
  } catch (e) {
    if (e instanceof ShardError) return E.left(e.message);
    throw e;
  }
};

export const describeWorkers = (workers: number, batch: number): string =>
  workers === 1 ? `1 worker (batch ${batch})` : `${workers} data-parallel workers (batch ${batch} = ${workers} x ${batch / workers})`;

export interface SessionOptions<V, X extends object> {
  readonly workers: number;
  /** How one worker trains: the objective compiled on this thread's backend. */
  readonly trainer: Trainer<V, X>;
  /** How replicas rebuild the same trainer on theirs (plain data, posted to each worker). */
  readonly recipe: ReplicaRecipe;
  /** The whole batch's input of step i, and how it splits over n replicas. */
  readonly inputs: (step: number) => StepInput<V, X>;
  readonly shard: (input: StepInput<V, X>, count: number) => readonly StepInput<V, X>[];
  /** Metrics that the step's input itself says (e.g. the prefix t); reported first. */
  readonly describe?: (input: StepInput<V, X>) => Metrics;
  readonly state: TrainState;
}

/** A session whose steps are the run's step indices: the fused step in this thread, or data-parallel replicas in worker threads. */
export const trainingSession = async <V, X extends object>(o: SessionOptions<V, X>): Promise<TrainingSession<number>> => {
  if (o.workers === 1) return localSession(o.state, o.trainer, o.inputs, o.describe);
  const dp = await DataParallel.start<StepInput<V, X>>(startNodeReplicas(o.workers), o.recipe, o.state as HostState);
  const session = parallelSession(dp, (i: number, n) => o.shard(o.inputs(i), n));
  const describe = o.describe;
  return describe ? { ...session, step: async (i) => ({ ...describe(o.inputs(i)), ...(await session.step(i)) }) } : session;
};

/** Steps `start..stop` of a session under the training loop (checkpoints, NaN stop, metrics); the session is closed afterwards. */
export const runSession = async (session: TrainingSession<number>, o: {
  readonly start: number; readonly stop: number; readonly checkpointEvery: number;
  readonly save: (steps: number) => Promise<string>; readonly onMetrics: (step: number, m: Record<string, number>) => void;
}): Promise<string | undefined> => {
  try {
    const result = await trainLoop<null>({
      start: o.start, total: o.stop, state: null, checkpointEvery: o.checkpointEvery, save: (_, steps) => o.save(steps),
      step: async (_, i) => ({ state: null, metrics: await session.step(i) }),
      onMetrics: o.onMetrics,
    });
    return result.lastCheckpoint;
  } finally {
    await session.close();
  }
};

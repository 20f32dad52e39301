/**
 * Training sessions for the tokenizer and the AR model (Node edge): one worker runs the fused
 * step in this thread, more run data-parallel replicas in worker threads. Used by train-tokenizer,
 * train-ar and `bench train`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { availableParallelism } from 'node:os';
import type { BackendName } from '../compile/backend.ts';
import type { ArConfig } from '../detailflow/ar/config.ts';
import { arShards, type ArShardInputs, type ArState, type ArTrainConfig, type arTrainer } from '../detailflow/codes/ar-trainer.ts';
import type { Codes } from '../detailflow/codes/codes-file.ts';
import { arRecipe, tokenizerRecipe, type TokenizerRecipe } from '../detailflow/replica-trainers.ts';
import type { TrainConfig } from '../detailflow/tokenizer/train-config.ts';
import { tokenizerShards, type TokenizerShardInputs, type TokenizerStepInput } from '../detailflow/tokenizer/trainer.ts';
import type { RunState, tokenizerRun } from '../detailflow/tokenizer/fit.ts';
import type { Tokenizer } from '../detailflow/tokenizer/model.ts';
import type { Key } from '../random/key.ts';
import { DataParallel } from '../train/data-parallel/coordinator.ts';
import type { HostState } from '../train/data-parallel/protocol.ts';
import { localSession, parallelSession, type TrainingSession } from '../train/data-parallel/session.ts';
import { replicaCount, ShardError } from '../train/data-parallel/shards.ts';
import { startNodeReplicas } from '../platform/workers/node-replicas.ts';
import { trainLoop } from '../train/loop.ts';

/**
 * --workers: given, it must split the batch evenly; by default one per core on wasm and cpu
 * (each worker's single-threaded backend gets a core), reduced to a divisor of the batch, and
 * one on webgpu (one device).
 */
export const chooseWorkers = (flag: number | undefined, batch: number, backend: BackendName): number =>
  replicaCount(flag, batch, backend === 'webgpu' ? 1 : availableParallelism());

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

type TokenizerRun = ReturnType<typeof tokenizerRun>;

export interface TokenizerSessionOptions {
  readonly workers: number;
  readonly backend: BackendName;
  readonly tk: Tokenizer;
  readonly train: TrainConfig;
  /** The run (fit.ts): its steps for one worker, its per-step inputs for more. */
  readonly run: TokenizerRun;
  /** The frozen CNN teacher and its parameters, for the replicas to rebuild. */
  readonly teacher?: TokenizerRecipe['teacher'];
  readonly state: HostState;
}

/** A session whose steps are the run's step indices. */
export const tokenizerSession = async (o: TokenizerSessionOptions): Promise<TrainingSession<number>> => {
  if (o.workers === 1) return localSession(o.state as unknown as RunState, (s, i: number) => o.run.step(s, i));
  const recipe = tokenizerRecipe(o.backend, o.tk.config, o.train, o.teacher);
  const dp = await DataParallel.start<TokenizerShardInputs>(startNodeReplicas(o.workers), recipe, o.state);
  const session = parallelSession(dp, (x: TokenizerStepInput, n) => tokenizerShards(o.tk, x, n));
  return {
    ...session,
    // the one-worker step reports the prefix t first; the replicas' metrics lack it
    step: async (i) => { const x = o.run.inputs(i); return { t: x.plan.t, ...(await session.step(x)) }; },
  };
};

/** What one AR step takes for the whole batch. */
export interface ArStepInput {
  readonly rows: Int32Array;
  readonly key: Key;
}

export interface ArSessionOptions {
  readonly workers: number;
  readonly backend: BackendName;
  readonly config: ArConfig;
  readonly train: ArTrainConfig;
  readonly codes: Codes;
  /** The rows and the key of step i. */
  readonly inputs: (step: number) => ArStepInput;
  readonly state: HostState;
  readonly trainer: ReturnType<typeof arTrainer>;
}

/** A session whose steps are the run's step indices. */
export const arSession = async (o: ArSessionOptions): Promise<TrainingSession<number>> => {
  if (o.workers === 1) {
    return localSession(o.state as unknown as ArState, (s, i: number) => { const x = o.inputs(i); return o.trainer.step(s, o.codes, x.rows, x.key); });
  }
  const dp = await DataParallel.start<ArShardInputs>(startNodeReplicas(o.workers), arRecipe(o.backend, o.config, o.train), o.state);
  return parallelSession(dp, (i: number, n) => { const x = o.inputs(i); return arShards(o.codes, x.rows, x.key, n); });
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

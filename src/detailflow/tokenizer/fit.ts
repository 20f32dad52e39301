/**
 * A tokenizer training run as a function of (seed, step): the initial parameters, the batch, the
 * prefix/noise plan and the teacher's input of step i all derive from the run key, so the CLI's
 * resumable runs (checkpoints, logs) and in-memory fits (scripts, notebooks, the web) take the
 * same steps. Platform-neutral: the data is a Dataset value, nothing is read or written here.
 */
import * as E from 'fp-ts/lib/Either.js';
import { toHost } from '../../compile/compile.ts';
import type { BackendName } from '../../compile/backend.ts';
import { stepBatches } from '../../data/batches.ts';
import type { Dataset } from '../../data/dataset.ts';
import { paramLayout } from '../../nn/layout.ts';
import { foldIn, keyFromSeed } from '../../random/key.ts';
import { trainLoop } from '../../train/loop.ts';
import { trainer, type TrainState } from '../../train/trainer.ts';
import { teacherArg, type Teacher } from '../teacher/teacher.ts';
import type { Tokenizer, TokenizerParams } from './model.ts';
import type { TrainConfig } from './train-config.ts';
import { planStep, tokenizerObjective, tokenizerShards, tokenizerStep, type TokenizerStep } from './trainer.ts';

export interface RunOptions {
  readonly backend: BackendName;
  /** The frozen teacher (first-token alignment, perceptual term); without one both terms are off. */
  readonly teacher?: { readonly teacher: Teacher; readonly params?: object };
}

export const tokenizerRun = (tk: Tokenizer, train: TrainConfig, data: Dataset, opts: RunOptions) => {
  const c = tk.config;
  if (data.channels !== c.channels || data.height !== c.size || data.width !== c.size) {
    throw new RangeError(`the data is ${data.channels}x${data.height}x${data.width} but the tokenizer is configured for ${c.channels}x${c.size}x${c.size}; set size and channels`);
  }
  const runKey = keyFromSeed(train.seed);
  const teacher = opts.teacher?.teacher;
  const steps = trainer(tokenizerObjective(tk, train, teacher), { backend: opts.backend });
  const batchOf = stepBatches(data, foldIn(runKey, 1), train.batchSize, { flip: train.flip });
  /** What step i (from 0) takes for the whole batch; data-parallel runs split it into shards. */
  const inputs = (i: number): TokenizerStep => {
    const batch = batchOf(i);
    const arg = teacher ? teacherArg(teacher, opts.teacher?.params, batch.indices) : E.right(undefined);
    if (E.isLeft(arg)) throw arg.left;
    const warm = c.perceptualWarmup === 0 ? 1 : Math.min(1, (i + 1) / c.perceptualWarmup);
    const gate = train.gan ? (i >= train.discStart ? 1 : 0) : undefined;
    return tokenizerStep(tk, planStep(tk, foldIn(runKey, 2), i), batch.images, warm, arg.right, gate);
  };
  return {
    /** The run's fresh parameters (what the optimiser state is shaped after). */
    initParams: (): TokenizerParams => tk.init(foldIn(runKey, 0)),
    /** The state of step 0 from these parameters (the optimiser starts fresh). */
    initState: (params: TokenizerParams): TrainState => steps.initState(params),
    inputs,
    trainer: steps,
    /** How a step splits over data-parallel replicas. */
    shard: (x: TokenizerStep, count: number) => tokenizerShards(x, count, teacher),
    /** What a step's input says: its prefix t, reported before the loss terms. */
    describe: (x: TokenizerStep) => ({ t: x.variant.t }),
    /** Step i (from 0); the given state is consumed. */
    step: async (s: TrainState, i: number) => {
      const x = inputs(i);
      const r = await steps.step(s, x);
      return { state: r.state, metrics: { t: x.variant.t, ...r.metrics } };
    },
  };
};

export interface FitOptions extends RunOptions {
  /** Steps to take (default train.steps); the learning-rate schedule always spans train.steps. */
  readonly steps?: number;
  /** Parameters to start from (default: the run's fresh ones); the optimiser starts fresh. */
  readonly init?: TokenizerParams;
  readonly onStep?: (step: number, metrics: Readonly<Record<string, number>>) => void;
}

export interface Fit {
  /** The weights to use: their EMA when train.ema > 0, else the last step's. */
  readonly params: TokenizerParams;
  /** One entry per step: `step` (from 1), the prefix `t` and every loss term. */
  readonly log: readonly Readonly<Record<string, number>>[];
}

/** Trains in memory and returns the parameters on the host; stops on a non-finite loss (NonFiniteLossError). */
export const fitTokenizer = async (tk: Tokenizer, train: TrainConfig, data: Dataset, opts: FitOptions): Promise<Fit> => {
  const steps = opts.steps ?? train.steps;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`fitTokenizer: steps must be a positive integer, got ${steps}`);
  const run = tokenizerRun(tk, train, data, opts);
  const fresh = run.initParams();
  const log: Record<string, number>[] = [];
  const { state } = await trainLoop<TrainState>({
    start: 0, total: steps,
    state: run.initState(opts.init ?? fresh),
    checkpointEvery: Number.MAX_SAFE_INTEGER, save: async () => 'memory',
    step: run.step,
    onMetrics: (step, m) => { log.push({ step, ...m }); opts.onStep?.(step, m); },
  });
  const params = await toHost(state.ema ?? state.params);
  const problems: string[] = [];
  if (!paramLayout(() => tk.init(keyFromSeed(0))).holds(params, problems)) throw new Error(`fitTokenizer: the trained parameters are not the tokenizer's: ${problems.join('; ')}`);
  return { params, log };
};

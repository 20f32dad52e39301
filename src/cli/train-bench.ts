/**
 * `bench train`: images/s of the tokenizer's and the AR model's training steps with 1 and more
 * data-parallel workers, on randomly initialised models of the default configurations (the
 * tokenizer with a random CNN teacher: the same cost as a trained one) over synthetic data, and
 * how far the final parameters of each worker count are from one worker's.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { BackendName } from '../compile/backend.ts';
import { isHostArray } from '../ir/host-array.ts';
import { syntheticDataset } from '../data/synthetic.ts';
import { decodeArConfig, type ArConfig } from '../detailflow/ar/config.ts';
import { arModel } from '../detailflow/ar/model.ts';
import { arRun, arTrainConfigDefaults } from '../detailflow/codes/ar-trainer.ts';
import { arRecipe, tokenizerRecipe } from '../detailflow/replica-trainers.ts';
import { syntheticCodes } from '../detailflow/codes/synthetic-codes.ts';
import { orThrow } from '../config/codec.ts';
import { cnnTeacher } from '../detailflow/teacher/cnn.ts';
import { cnnTeacherDefaults } from '../detailflow/teacher/config.ts';
import { decodeTokenizerConfig, type TokenizerConfig } from '../detailflow/tokenizer/config.ts';
import { tokenizerRun } from '../detailflow/tokenizer/fit.ts';
import { tokenizer } from '../detailflow/tokenizer/model.ts';
import { trainDefaults } from '../detailflow/tokenizer/train-config.ts';
import { isHostTree } from '../nn/layout.ts';
import { keyFromSeed } from '../random/key.ts';
import type { HostState } from '../train/data-parallel/protocol.ts';
import type { TrainingSession } from '../train/data-parallel/session.ts';
import { flatten } from '../tree/tree.ts';
import { trainingSession } from './training-sessions.ts';

export type BenchModel = 'tokenizer' | 'ar';

export interface TrainBenchOptions {
  readonly backend: BackendName;
  readonly batch: number;
  /** Timed steps per worker count, after untimed steps that compile every plan they use. */
  readonly steps: number;
  /** Worker counts to time; the first is the reference for speed-ups and differences. */
  readonly workers: readonly number[];
  readonly models: readonly BenchModel[];
  /** Overrides of the default configurations (tests use tiny models). */
  readonly tokenizer?: Partial<TokenizerConfig>;
  readonly ar?: Partial<ArConfig>;
  readonly onFigures?: (model: BenchModel, f: WorkerFigures) => void;
}

export interface WorkerFigures {
  readonly workers: number;
  readonly imagesPerSecond: number;
  readonly secondsPerStep: number;
  /** Starting the workers and the untimed steps (compilation). */
  readonly setupSeconds: number;
  /** max |x - x_ref| per state part against the reference worker count (absent for it). */
  readonly maxDiff?: Readonly<Record<string, number>>;
  /** images/s over the reference's (absent for it). */
  readonly speedup?: number;
}

export interface ModelBench {
  readonly lr: number;
  readonly figures: readonly WorkerFigures[];
}

export interface TrainBenchResult {
  readonly backend: BackendName;
  readonly batch: number;
  readonly steps: number;
  readonly cores: number;
  /** os.loadavg() (1, 5, 15 minutes) before and after: other work on the cores lowers the speed-ups. */
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly models: Partial<Record<BenchModel, ModelBench>>;
}

interface Setup {
  readonly lr: number;
  readonly open: (workers: number) => Promise<TrainingSession<number>>;
  /** Untimed steps first (compiling every plan the timed ones use), then the timed steps. */
  readonly warm: readonly number[];
  readonly timed: readonly number[];
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

const tokenizerSetup = (o: TrainBenchOptions): Setup => {
  const teacher = cnnTeacher(cnnTeacherDefaults);
  const teacherParams = teacher.init(keyFromSeed(11));
  if (!isHostTree(teacherParams)) throw new TypeError('train-bench: the teacher\'s parameters are not a tree of host arrays');
  const tk = tokenizer(orThrow(decodeTokenizerConfig(o.tokenizer ?? {})), teacher.featureDim);
  const data = syntheticDataset(keyFromSeed(12), { count: 4 * o.batch, channels: tk.config.channels, height: tk.config.size, width: tk.config.size });
  const train = { ...trainDefaults, batchSize: o.batch, steps: 4 * o.steps };
  const newRun = () => tokenizerRun(tk, train, data, { backend: o.backend, teacher: { teacher, params: teacherParams } });
  const timed = range(0, o.steps);
  // each (t, span) has its own plan: compile those of the timed steps first
  const probe = newRun();
  const firstOfPlan = new Map<string, number>(timed.map((i): [string, number] => [JSON.stringify(probe.inputs(i).variant), i]).reverse());
  return {
    lr: train.lr,
    warm: [...firstOfPlan.values()].sort((a, b) => a - b),
    timed,
    open: async (workers) => {
      const run = newRun();
      const recipe = tokenizerRecipe(o.backend, tk.config, train, { config: cnnTeacherDefaults, params: teacherParams });
      return trainingSession({ ...run, workers, recipe, state: run.initState(run.initParams()) });
    },
  };
};

const arSetup = (o: TrainBenchOptions): Setup => {
  const cfg = orThrow(decodeArConfig(o.ar ?? {}));
  const model = arModel(cfg);
  const train = { ...arTrainConfigDefaults, batchSize: o.batch, steps: 4 * o.steps };
  const codes = syntheticCodes(keyFromSeed(13), { codebookSize: cfg.vocab, tokens: cfg.tokens, group: cfg.group, causal: cfg.causal }, 4 * o.batch, cfg.classes);
  return {
    lr: train.lr,
    warm: [0],
    timed: range(1, o.steps + 1),
    open: async (workers) => {
      const run = arRun(model, { ...train, seed: 14 }, codes, o.backend);
      return trainingSession({ ...run, workers, recipe: arRecipe(o.backend, cfg, train), state: run.initState(run.initParams()) });
    },
  };
};

const maxDiff = (a: HostState, b: HostState): Record<string, number> => Object.fromEntries(Object.keys(a).sort().map((part) => {
  const [x, y] = [a[part], b[part]].map((t) => flatten(t, isHostArray, 'array').leaves);
  let m = 0;
  x.forEach((l, i) => l.data.forEach((v, j) => { m = Math.max(m, Math.abs(v - y[i].data[j])); }));
  return [part, m];
}));

const benchModel = async (o: TrainBenchOptions, model: BenchModel): Promise<ModelBench> => {
  const setup = model === 'tokenizer' ? tokenizerSetup(o) : arSetup(o);
  const figures: WorkerFigures[] = [];
  let reference: { state: HostState; ips: number } | undefined;
  for (const workers of o.workers) {
    const t0 = performance.now();
    const session = await setup.open(workers);
    try {
      for (const i of setup.warm) await session.step(i);
      const t1 = performance.now();
      for (const i of setup.timed) await session.step(i);
      const seconds = (performance.now() - t1) / 1000;
      const state = await session.hostState();
      const ips = (setup.timed.length * o.batch) / seconds;
      const f: WorkerFigures = {
        workers, imagesPerSecond: ips, secondsPerStep: seconds / setup.timed.length, setupSeconds: (t1 - t0) / 1000,
        ...(reference ? { maxDiff: maxDiff(reference.state, state), speedup: ips / reference.ips } : {}),
      };
      reference ??= { state, ips };
      figures.push(f);
      o.onFigures?.(model, f);
    } finally {
      await session.close();
    }
  }
  return { lr: setup.lr, figures };
};

export const runTrainBench = async (o: TrainBenchOptions): Promise<TrainBenchResult> => {
  const loadBefore = loadavg();
  const models: Partial<Record<BenchModel, ModelBench>> = {};
  for (const m of o.models) models[m] = await benchModel(o, m);
  return { backend: o.backend, batch: o.batch, steps: o.steps, cores: availableParallelism(), loadBefore, loadAfter: loadavg(), models };
};

export const formatFigures = (model: BenchModel, f: WorkerFigures, lr?: number): string => {
  const diff = f.maxDiff ? `; max |diff| vs first: ${Object.entries(f.maxDiff).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}` : '';
  const rel = f.maxDiff && lr ? ` (params ${(f.maxDiff.params / lr).toFixed(3)} x lr)` : '';
  const speed = f.speedup === undefined ? '' : `  speed-up ${f.speedup.toFixed(2)}x`;
  return `  ${model.padEnd(9)} ${String(f.workers).padStart(2)} worker${f.workers === 1 ? ' ' : 's'} ${f.imagesPerSecond.toFixed(2).padStart(8)} img/s `
    + `(${f.secondsPerStep.toFixed(2)} s/step, setup ${f.setupSeconds.toFixed(1)} s)${speed}${diff}${rel}`;
};

export const formatTrainBench = (r: TrainBenchResult): string => [
  `bench train on ${r.backend}: global batch ${r.batch}, ${r.steps} timed steps per run after untimed steps that compile their plans`,
  ...Object.entries(r.models).flatMap(([m, b]) => b!.figures.map((f) => formatFigures(m as BenchModel, f, b!.lr))),
  `  target: speed-up >= 1.7x with 2 workers on a 2-core machine, parameters equal up to float rounding`,
  `  ${r.cores} cores; load average ${r.loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${r.loadAfter.map((x) => x.toFixed(2)).join(' ')} after`
    + `${r.loadBefore[0] > 0.5 ? ' (other work shares the cores: speed-ups are lower than on an idle machine)' : ''}`,
].join('\n');

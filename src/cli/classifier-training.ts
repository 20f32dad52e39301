/**
 * The training command of a small image classifier (the CNN teacher, the metric network):
 * flags, run directory, resume, the loop with progress bar, JSONL log and atomic checkpoints,
 * then the test accuracy. Each command supplies what differs: its configuration, network, loss,
 * optimiser, seed and augmentation.
 */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from './command.ts';
import { parseFlags } from './args.ts';
import { backendFlag, chooseBackend, flagProblems, intFlag, loadSplit, readJsonFile } from './common.ts';
import { jsonlLogger, progressReporter, saveCheckpoint } from './training-run.ts';
import { claimRunDir, startingPoint } from './run-dir.ts';
import { evaluateClassifier } from './evaluate-classifier.ts';
import { toHost } from '../compile/compile.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import { stepBatches } from '../data/batches.ts';
import { foldIn, keyFromSeed, type Key } from '../random/key.ts';
import type { Optimizer } from '../train/optimizer.ts';
import { trainer, type TrainState } from '../train/trainer.ts';
import { trainLoop } from '../train/loop.ts';

export interface ClassifierConfig { readonly steps: number; readonly batchSize: number }

export interface Classifier {
  readonly init: (key: Key) => unknown;
  readonly logits: (params: never, images: Node) => Node;
  /** The training loss and the batch accuracy. */
  readonly loss: (params: never, images: Node, labels: Node) => readonly [Node, Node];
  readonly optimizer: Optimizer<unknown>;
}

export interface ClassifierCommand<C extends ClassifierConfig> {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** What the run is called in messages ('teacher'), and its checkpoint file's stem. */
  readonly label: string;
  readonly kind: string;
  readonly defaultSeed: number;
  readonly checkpointEvery: number;
  /** Horizontal flips as augmentation. */
  readonly flip: boolean;
  readonly decode: (u: unknown) => E.Either<{ readonly message: string }, C>;
  readonly build: (cfg: C) => Classifier;
}


const flagSpec = { config: 'string', data: 'string', out: 'string', steps: 'number', backend: 'string', resume: 'boolean', force: 'boolean', seed: 'number' } as const;

export const classifierCommand = <C extends ClassifierConfig>(spec: ClassifierCommand<C>): Command => ({
  name: spec.name,
  summary: spec.summary,
  usage: spec.usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, flagSpec);
    if (E.isLeft(flags)) return flagProblems(io, spec.name, flags.left, spec.usage);
    const f = flags.right;
    const problems = [
      ...(f.out === undefined ? ['--out RUN_DIR is required'] : []),
      ...intFlag('seed', f.seed, 0), ...intFlag('steps', f.steps, 1), ...backendFlag(f.backend),
    ];
    if (problems.length || f.out === undefined) return flagProblems(io, spec.name, problems, spec.usage);
    const raw = await readJsonFile(f.config);
    const decoded = spec.decode({ ...(raw as object), ...(f.steps !== undefined ? { steps: f.steps } : {}) });
    if (E.isLeft(decoded)) { io.err(`detailflow ${spec.name}: ${decoded.left.message}`); return 2; }
    const cfg = decoded.right;
    const fileName = `${spec.label}.safetensors`;
    const claim = await claimRunDir(f.out, { checkpoint: fileName }, f, io);
    if (E.isLeft(claim)) { io.err(`detailflow ${spec.name}: ${claim.left}`); return 2; }
    const { dir, file } = claim.right;
    const backend = await chooseBackend(f.backend);
    const [train, test] = [await loadSplit(f.data, 'train'), await loadSplit(f.data, 'test')];
    const net = spec.build(cfg);
    const seed = f.seed ?? spec.defaultSeed;
    const runKey = keyFromSeed(seed);
    const fresh = net.init(foldIn(runKey, 0));
    const classifier = trainer<null, { readonly images: HostArray; readonly labels: HostArray }>({
      name: spec.label, optimizer: net.optimizer, clip: 1.0,
      loss: (_, p, x) => { const [total, accuracy] = net.loss(p as never, x.images, x.labels); return { total, terms: { accuracy } }; },
    }, { backend });
    const from = await startingPoint(f.resume, file, spec.kind, classifier.initState(fresh as object), io);
    const batchOf = stepBatches(train, foldIn(runKey, 1), cfg.batchSize, { flip: spec.flip });
    const progress = progressReporter(io, { total: cfg.steps, startStep: from.start, imagesPerStep: cfg.batchSize });
    const log = jsonlLogger(path.join(dir, 'log.jsonl'));
    const save = async (s: TrainState, steps: number) => saveCheckpoint(dir, fileName, {
      kind: spec.kind,
      trees: { params: await toHost(s.params), opt: await toHost(s.opt) },
      meta: { config: cfg, state: { step: steps, seed }, backend },
    });
    const started = performance.now();
    const result = await trainLoop({
      start: from.start, total: cfg.steps, state: from.state, checkpointEvery: spec.checkpointEvery, save,
      step: (s, i) => { const batch = batchOf(i); return classifier.step(s, { variant: null, arrays: { images: batch.images, labels: batch.labels } }); },
      onMetrics: (i, m) => { progress(i, m); void log(i, m); },
    });
    progress.finish();
    const seconds = (performance.now() - started) / 1000;
    const acc = await evaluateClassifier(backend, net.logits as never, result.state.params, test, 250);
    io.out(`${spec.label}: test accuracy ${(acc * 100).toFixed(2)}% on ${test.count} images after ${cfg.steps} steps (${seconds.toFixed(0)} s of training); checkpoint ${file}`);
    await log(cfg.steps, { testAccuracy: acc });
    return 0;
  },
});

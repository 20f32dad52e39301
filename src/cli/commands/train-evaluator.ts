import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { chooseBackend, flagProblems, loadSplit, readJsonFile } from '../common.ts';
import { jsonlLogger, prepareRunDir, startingPoint, progressReporter, saveCheckpoint } from '../training-run.ts';
import { EVALUATOR_KIND } from '../../eval/evaluator/evaluator-file.ts';
import { evaluateClassifier } from '../evaluate-classifier.ts';
import { toHostTree } from '../host-tree.ts';
import { compile, release } from '../../compile/compile.ts';
import type { DeviceArray, HostArray } from '../../compile/device-array.ts';
import { decodeEvaluatorConfig, type EvaluatorConfig } from '../../eval/evaluator/config.ts';
import { evaluatorNetwork } from '../../eval/evaluator/network.ts';
import { evaluatorLoss } from '../../eval/evaluator/objective.ts';
import { stepBatches } from '../../data/batches.ts';
import { foldIn, keyFromSeed } from '../../random/key.ts';
import { adamw } from '../../train/adam.ts';
import { warmupCosine } from '../../train/schedule.ts';
import { stepFnWithAux } from '../../train/train-step.ts';
import { packMetrics, unpackMetrics } from '../../train/metrics.ts';
import { trainLoop } from '../../train/loop.ts';
import type { Tree } from '../../tree/tree.ts';

const usage = `detailflow train-evaluator [--config file.json] [--data DIR] --out RUN_DIR [--steps S] [--backend B] [--resume] [--seed N]

Trains the metric network (a small CNN classifier, independent of the tokenizer's teacher) on
the training split; its dense embedding gives the Frechet distance and precision/recall of
'detailflow eval', its predictions the class accuracy of conditional samples. Prints its test
accuracy. The config file holds EvaluatorConfig fields (size, channels, width, features,
classes, lr, weightDecay, batchSize, steps). --seed defaults to 1 (the teacher's is 0).
Writes RUN_DIR/evaluator.safetensors (previous kept as .prev) and RUN_DIR/log.jsonl; ship it
with 'detailflow export --in RUN_DIR/evaluator.safetensors --out models/evaluator.safetensors'.`;

type State = { params: Tree<HostArray | DeviceArray>; opt: Tree<HostArray | DeviceArray> };

export const trainEvaluatorCommand: Command = {
  name: 'train-evaluator',
  summary: 'train the metric network used by eval (FD, precision/recall, class accuracy)',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { config: 'string', data: 'string', out: 'string', steps: 'number', backend: 'string', resume: 'boolean', seed: 'number' });
    if (E.isLeft(flags)) return flagProblems(io, 'train-evaluator', flags.left, usage);
    const f = flags.right;
    const problems = [
      ...(f.out === undefined ? ['--out RUN_DIR is required'] : []),
      ...(f.seed !== undefined && !(Number.isInteger(f.seed) && f.seed >= 0) ? [`--seed: expected a non-negative integer, got ${f.seed}`] : []),
    ];
    if (problems.length) return flagProblems(io, 'train-evaluator', problems, usage);
    const raw = await readJsonFile(f.config);
    const decoded = decodeEvaluatorConfig({ ...(raw as object), ...(f.steps !== undefined ? { steps: f.steps } : {}) });
    if (E.isLeft(decoded)) { io.err(`detailflow train-evaluator: ${decoded.left.message}`); return 2; }
    const cfg: EvaluatorConfig = decoded.right;
    const dir = await prepareRunDir(f.out!);
    const backend = await chooseBackend(f.backend);
    const [train, test] = [await loadSplit(f.data, 'train'), await loadSplit(f.data, 'test')];
    const net = evaluatorNetwork(cfg);
    const seed = f.seed ?? 1;
    const runKey = keyFromSeed(seed);
    const optimizer = adamw({
      lr: warmupCosine({ peak: cfg.lr, warmupSteps: Math.round(cfg.steps * 0.05), totalSteps: cfg.steps, floor: cfg.lr * 0.02 }),
      weightDecay: cfg.weightDecay,
    });
    const fresh = net.init(foldIn(runKey, 0));
    const file = path.join(dir, 'evaluator.safetensors');
    const from = await startingPoint<State>(f.resume, file, EVALUATOR_KIND, { params: fresh as never, opt: optimizer.initHost(fresh as never) }, io);
    let state = from.state;
    const start = from.start;
    const loss = evaluatorLoss(cfg);
    const step = compile((p: never, o: never, x: never, y: never) => {
      const out = stepFnWithAux((q: never, xx: never, yy: never) => loss(q, xx, yy), optimizer, 1.0)(p, o, x, y);
      return { params: out.params, state: out.state, metrics: packMetrics({ loss: out.loss, accuracy: out.aux, lr: out.lr }) };
    }, { backend, name: 'evaluator-step' });
    // no flips: the metric should see images as the dataset has them
    const batchOf = stepBatches(train, foldIn(runKey, 1), cfg.batchSize);
    const progress = progressReporter(io, { total: cfg.steps, startStep: start, imagesPerStep: cfg.batchSize });
    const log = jsonlLogger(path.join(dir, 'log.jsonl'));
    const save = async (s: State, steps: number) => saveCheckpoint(dir, 'evaluator.safetensors', {
      kind: EVALUATOR_KIND,
      trees: { params: await toHostTree(s.params), opt: await toHostTree(s.opt) },
      meta: { config: cfg, state: { step: steps, seed }, backend },
    });
    const started = performance.now();
    const result = await trainLoop({
      start, total: cfg.steps, state, checkpointEvery: 250, save,
      step: async (s, i) => {
        const batch = batchOf(i);
        const out = await step.run(s.params, s.opt, batch.images, batch.labels);
        release(s.params);
        release(s.opt);
        const metrics = await unpackMetrics(out.metrics, ['loss', 'accuracy', 'lr']);
        out.metrics.release();
        return { state: { params: out.params as never, opt: out.state as never }, metrics };
      },
      onMetrics: (i, m) => { progress(i, m); void log(i, m); },
    });
    const seconds = (performance.now() - started) / 1000;
    const acc = await evaluateClassifier(backend, (p, x) => net.apply(p as never, x).logits, result.state.params, test, 250);
    io.out(`evaluator: test accuracy ${(acc * 100).toFixed(2)}% on ${test.count} images after ${cfg.steps} steps (${seconds.toFixed(0)} s of training); checkpoint ${file}`);
    await log(cfg.steps, { testAccuracy: acc });
    release(result.state);
    return 0;
  },
};

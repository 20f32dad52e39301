import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { chooseBackend, flagProblems, loadSplit, readJsonFile } from '../common.ts';
import { jsonlLogger, prepareRunDir, startingPoint, progressReporter, saveCheckpoint } from '../training-run.ts';
import { compile, release } from '../../compile/compile.ts';
import type { DeviceArray, HostArray } from '../../compile/device-array.ts';
import { decodeCnnTeacherConfig, type CnnTeacherConfig } from '../../detailflow/teacher/config.ts';
import { cnnTeacher } from '../../detailflow/teacher/cnn.ts';
import { teacherLoss } from '../../detailflow/teacher/objective.ts';
import { stepBatches } from '../../data/batches.ts';
import { foldIn, keyFromSeed } from '../../random/key.ts';
import { adam } from '../../train/adam.ts';
import { warmupCosine } from '../../train/schedule.ts';
import { stepFnWithAux } from '../../train/train-step.ts';
import { packMetrics, unpackMetrics } from '../../train/metrics.ts';
import { trainLoop } from '../../train/loop.ts';
import type { Tree } from '../../tree/tree.ts';
import { evaluateClassifier } from '../evaluate-classifier.ts';
import { toHostTree } from '../host-tree.ts';

const usage = `detailflow train-teacher [--config file.json] [--data DIR] --out RUN_DIR [--steps S] [--backend B] [--resume] [--seed N]

Trains the small CNN teacher whose pooled features the tokenizer's first token is aligned to
(a local stand-in for SigLIP2), on the training split; prints its test accuracy. The config
file holds CnnTeacherConfig fields (size, channels, width, classes, lr, batchSize, steps).
Writes RUN_DIR/teacher.safetensors (previous kept as .prev) and RUN_DIR/log.jsonl.`;

export const KIND = 'cnn-teacher';

export const trainTeacherCommand: Command = {
  name: 'train-teacher',
  summary: 'train the CNN teacher used for first-token alignment',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { config: 'string', data: 'string', out: 'string', steps: 'number', backend: 'string', resume: 'boolean', seed: 'number' });
    if (E.isLeft(flags)) return flagProblems(io, 'train-teacher', flags.left, usage);
    const f = flags.right;
    if (f.out === undefined) return flagProblems(io, 'train-teacher', ['--out RUN_DIR is required'], usage);
    const raw = await readJsonFile(f.config);
    const decoded = decodeCnnTeacherConfig({ ...(raw as object), ...(f.steps !== undefined ? { steps: f.steps } : {}) });
    if (E.isLeft(decoded)) { io.err(`detailflow train-teacher: ${decoded.left.message}`); return 2; }
    const cfg: CnnTeacherConfig = decoded.right;
    const dir = await prepareRunDir(f.out);
    const backend = await chooseBackend(f.backend);
    const [train, test] = [await loadSplit(f.data, 'train'), await loadSplit(f.data, 'test')];
    const net = cnnTeacher(cfg);
    const seed = f.seed ?? 0;
    const runKey = keyFromSeed(seed);
    const optimizer = adam({ lr: warmupCosine({ peak: cfg.lr, warmupSteps: Math.round(cfg.steps * 0.05), totalSteps: cfg.steps, floor: cfg.lr * 0.05 }) });
    const fresh = net.init(foldIn(runKey, 0));
    const file = path.join(dir, 'teacher.safetensors');
    const from = await startingPoint(f.resume, file, KIND, { params: fresh as unknown as Tree<HostArray | DeviceArray>, opt: optimizer.initHost(fresh as never) as Tree<HostArray | DeviceArray> }, io);
    let { params, opt } = from.state;
    const start = from.start;
    const loss = teacherLoss(cfg);
    const step = compile((p: never, o: never, x: never, y: never) => {
      const out = stepFnWithAux((q: never, xx: never, yy: never) => {
        const r = loss(q, xx, yy);
        return [r.loss, r.accuracy];
      }, optimizer, 1.0)(p, o, x, y);
      return { params: out.params, state: out.state, metrics: packMetrics({ loss: out.loss, accuracy: out.aux, lr: out.lr }) };
    }, { backend, name: 'teacher-step' });
    const batchOf = stepBatches(train, foldIn(runKey, 1), cfg.batchSize, { flip: true });
    const progress = progressReporter(io, { total: cfg.steps, startStep: start, imagesPerStep: cfg.batchSize });
    const log = jsonlLogger(path.join(dir, 'log.jsonl'));
    const save = async (state: { params: Tree<HostArray | DeviceArray>; opt: Tree<HostArray | DeviceArray> }, steps: number) =>
      saveCheckpoint(dir, 'teacher.safetensors', {
        kind: KIND,
        trees: { params: await toHostTree(state.params), opt: await toHostTree(state.opt) },
        meta: { config: cfg, state: { step: steps, seed }, backend },
      });
    const result = await trainLoop({
      start, total: cfg.steps, state: { params, opt }, checkpointEvery: 200, save,
      step: async (state, i) => {
        const batch = batchOf(i);
        const out = await step.run(state.params, state.opt, batch.images, batch.labels);
        release(state.params);
        release(state.opt);
        const metrics = await unpackMetrics(out.metrics, ['loss', 'accuracy', 'lr']);
        out.metrics.release();
        return { state: { params: out.params as never, opt: out.state as never }, metrics };
      },
      onMetrics: (i, m) => { progress(i, m); void log(i, m); },
    });
    const acc = await evaluateClassifier(backend, (p, x) => net.forward(p as never, x).logits, result.state.params, test, 256);
    io.out(`teacher: test accuracy ${(acc * 100).toFixed(2)}% on ${test.count} images; checkpoint ${file}`);
    await log(cfg.steps, { testAccuracy: acc });
    release(result.state);
    return 0;
  },
};

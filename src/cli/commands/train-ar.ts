import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendFlag, chooseBackend, configProblems, flagProblems, inSection, intFlag, readJsonFile } from '../common.ts';
import { decodeSections } from '../../config/codec.ts';
import { jsonlLogger, progressReporter, RunError, saveCheckpoint } from '../training-run.ts';
import { claimRunDir, startingPoint } from '../run-dir.ts';
import { AR_KIND, loadCodes } from '../ar-files.ts';
import { describeWorkers, runSession, trainingSession, workersFlag } from '../training-sessions.ts';
import { arRecipe } from '../../detailflow/replica-trainers.ts';
import { decodeArConfig, type ArConfig } from '../../detailflow/ar/config.ts';
import { arModel, type ArParams } from '../../detailflow/ar/model.ts';
import { loadArModel } from '../models.ts';
import { arRun, decodeArTrainConfig } from '../../detailflow/codes/ar-trainer.ts';
import type { CodesShape } from '../../detailflow/codes/codes-file.ts';

const usage = `detailflow train-ar --codes FILE --out RUN_DIR [--config file.json] [--steps S] [--until S]
                     [--backend B] [--resume | --force] [--init CKPT] [--workers N]

Trains the class-conditional AR model on a codes file from extract-codes: cross-entropy over all
N positions, label dropout 0.1, the self-correction triple for 30% of the samples, AdamW (weight
decay 0.05 on matrices and embeddings, 5% warmup then cosine, clip 1.0) and an EMA of the weights
(kept in the checkpoint; sample uses it). The config file may hold {"ar": {...ArConfig},
"train": {steps, batchSize, lr, ema, seed, checkpointEvery}}; vocab, tokens, group and causal
come from the codes file (given ones must match it). Writes RUN_DIR/ar.safetensors (the previous
one kept as .prev) and RUN_DIR/log.jsonl. --until stops after that step (the schedule still spans
--steps); --resume continues from the checkpoint (its .prev when it is damaged), bit for bit; a
RUN_DIR that holds a run is refused without --resume, and --force moves that run into
RUN_DIR/previous-<n>/ first. --init starts from another AR model's weights (its EMA; the same
configuration, e.g. the shipped model on a retrained tokenizer's codes) with a fresh optimiser and
the EMA starting there. --workers N trains data-parallel over N worker threads, each on its
own backend with B / N of the batch (N must divide it); the result equals one worker's up to float
rounding. Default: one per CPU core (reduced to a divisor of the batch) on wasm and cpu, 1 on
webgpu and the ONNX backends. --resume is bit-exact with the same N. The default backend is webgpu
on a hardware GPU, else onnx-cpu where ONNX Runtime is installed (about 2x wasm here), else wasm.`;

/** The AR config over the codes file's shape; a given vocab/tokens/group/causal must agree with it. */
const arConfigFor = (raw: unknown, shape: CodesShape): E.Either<string[], ArConfig> => {
  const given = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const fromCodes: Record<string, number> = { vocab: shape.codebookSize, tokens: shape.tokens, group: shape.group, causal: shape.causal };
  const clash = Object.entries(fromCodes).filter(([k, v]) => given[k] !== undefined && given[k] !== v)
    .map(([k, v]) => `ar.${k}: the config says ${String(given[k])} but the codes file has ${v}${k === 'vocab' ? ' (the tokenizer codebook size)' : ''}`);
  if (clash.length) return E.left(clash);
  // an explicit partition travels with the codes (absent: DetailFlow's, from group and causal)
  if (shape.spans && given.spans !== undefined && JSON.stringify(given.spans) !== JSON.stringify(shape.spans)) {
    return E.left([`ar.spans: the config says ${JSON.stringify(given.spans)} but the codes file has ${JSON.stringify(shape.spans)}`]);
  }
  const r = decodeArConfig({ ...given, ...fromCodes, ...(shape.spans ? { spans: [...shape.spans] } : {}) });
  return E.isLeft(r) ? E.left(inSection('ar', r)) : E.right(r.right);
};

/** --init's weights: an AR model file's EMA, refused unless its configuration is this run's. */
const initialWeights = async (file: string, cfg: ArConfig): Promise<ArParams> => {
  const m = await loadArModel(file);
  const differ = (Object.keys(cfg) as (keyof ArConfig)[]).filter((k) => m.config[k] !== cfg[k]);
  if (differ.length) throw new RunError(`--init ${file}: its ${differ.map((k) => `${k} (${String(m.config[k])}, this run ${String(cfg[k])})`).join(', ')} differ from this run's configuration`);
  return m.ema;
};

export const trainArCommand: Command = {
  name: 'train-ar',
  summary: 'train the class-conditional AR model on extracted codes',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { codes: 'string', out: 'string', config: 'string', steps: 'number', until: 'number', backend: 'string', resume: 'boolean', force: 'boolean', init: 'string', workers: 'number' });
    if (E.isLeft(flags)) return flagProblems(io, 'train-ar', flags.left, usage);
    const f = flags.right;
    const missing = [
      ...(f.codes === undefined ? ['--codes FILE is required'] : []), ...(f.out === undefined ? ['--out RUN_DIR is required'] : []),
      ...backendFlag(f.backend), ...intFlag('steps', f.steps, 1), ...intFlag('until', f.until, 1), ...intFlag('workers', f.workers, 1),
    ];
    if (missing.length) return flagProblems(io, 'train-ar', missing, usage);
    const sections = decodeSections('train-ar configuration', await readJsonFile(f.config), ['ar', 'train']);
    if (E.isLeft(sections)) return configProblems(io, 'train-ar', sections.left.problems);
    // the train section needs nothing from the codes file: refuse it before reading that
    const tc = decodeArTrainConfig({ ...sections.right.train, ...(f.steps !== undefined ? { steps: f.steps } : {}) });
    if (E.isLeft(tc)) return configProblems(io, 'train-ar', inSection('train', tc));
    const claim = await claimRunDir(f.out!, { checkpoint: 'ar.safetensors' }, f, io);
    if (E.isLeft(claim)) { io.err(`detailflow train-ar: ${claim.left}`); return 2; }
    const { dir, file, moved } = claim.right;
    const codes = await loadCodes(f.codes!);
    const ac = arConfigFor(sections.right.ar, codes.shape);
    const problems = E.isLeft(ac) ? ac.left : [];
    if (E.isRight(ac)) {
      const top = Math.max(...codes.classes);
      if (top >= ac.right.classes) problems.push(`ar.classes: the codes hold class ${top}, but the model has classes 0..${ac.right.classes - 1}`);
    }
    if (E.isRight(tc) && tc.right.batchSize > codes.count) problems.push(`train.batchSize: ${tc.right.batchSize} is more than the ${codes.count} rows of the codes file`);
    if (problems.length || E.isLeft(ac) || E.isLeft(tc)) return configProblems(io, 'train-ar', problems);
    const cfg = ac.right;
    const train = tc.right;
    const backend = await chooseBackend(f.backend, { workload: 'training' });
    const run = arRun(arModel(cfg), train, codes, backend);
    const initial = f.init === undefined ? run.initParams() : await initialWeights(moved(f.init), cfg);
    const { state, start } = await startingPoint(f.resume, file, AR_KIND, run.initState(initial), io);
    const workers = workersFlag(f.workers, train.batchSize, backend);
    if (E.isLeft(workers)) return flagProblems(io, 'train-ar', [workers.left], usage);
    io.err(`train-ar: ${describeWorkers(workers.right, train.batchSize)} on ${backend}`);
    const progress = progressReporter(io, { total: train.steps, startStep: start, imagesPerStep: train.batchSize });
    const log = jsonlLogger(path.join(dir, 'log.jsonl'));
    const session = await trainingSession({ ...run, workers: workers.right, recipe: arRecipe(backend, cfg, train), state });
    const save = async (steps: number) => {
      const trees = await session.hostState();
      return saveCheckpoint(dir, 'ar.safetensors', {
        kind: AR_KIND,
        trees: { params: trees.params, ema: trees.ema, opt: trees.opt },
        // file names, not paths: metadata ships with the model and holds nothing of this machine
        meta: { config: cfg, train, state: { step: steps }, codes: { file: path.basename(f.codes!), ...codes.shape, source: path.basename(codes.source) }, backend },
      });
    };
    const stop = Math.min(train.steps, f.until ?? train.steps);
    const last = await runSession(session, { start, stop, checkpointEvery: train.checkpointEvery, save, onMetrics: (i, m) => { progress(i, m); void log(i, m); } });
    progress.finish();
    io.out(`ar: ${stop} of ${train.steps} steps done; checkpoint ${last ?? file}`);
    return 0;
  },
};

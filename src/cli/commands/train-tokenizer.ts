import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendFlag, chooseBackend, configProblems, flagProblems, inSection, intFlag, loadSplit, readJsonFile } from '../common.ts';
import { decodeSections } from '../../config/codec.ts';
import { jsonlLogger, progressReporter, saveCheckpoint, RunError } from '../training-run.ts';
import { claimRunDir, startingPoint } from '../run-dir.ts';
import { reconstructionPng } from '../reconstruction-png.ts';
import type { HostArray } from '../../ir/host-array.ts';
import { decodeTokenizerConfig, type TokenizerConfig } from '../../detailflow/tokenizer/config.ts';
import { decodeTrainConfig, type TrainConfig } from '../../detailflow/tokenizer/train-config.ts';
import { tokenizer, type TokenizerParams } from '../../detailflow/tokenizer/model.ts';
import { tokenizerRun } from '../../detailflow/tokenizer/fit.ts';
import { decodePrecomputedTeacher } from '../../detailflow/teacher/precomputed.ts';
import { readFileBytes, writeFileAtomic } from '../../platform/files.ts';
import type { Teacher } from '../../detailflow/teacher/teacher.ts';
import type { CnnTeacherConfig } from '../../detailflow/teacher/config.ts';
import type { Tree } from '../../tree/tree.ts';
import { describeWorkers, runSession, trainingSession, workersFlag  } from '../training-sessions.ts';
import { tokenizerRecipe } from '../../detailflow/replica-trainers.ts';

const usage = `detailflow train-tokenizer [--config file.json] [--data DIR] --out RUN_DIR [--steps S] [--until S]
                            [--backend B] [--teacher CKPT | --teacher-features FILE | --no-align]
                            [--resume | --force] [--init CKPT] [--workers N]

Trains the 1D coarse-to-fine tokenizer on the training split. The config file may hold
{"tokenizer": {...TokenizerConfig}, "train": {...TrainConfig}}; every field has a default
(32x32, patch 4, N = 32 tokens, g = 4, C = 4, alpha 1.5, codebook 1024 x 8, width 128, depth 4);
"quantizer": "fsq" with "fsqLevels": [8, 5, 5, 5] (and codebookSize 1000, codeDim 4) swaps the l2 VQ for FSQ.
--teacher is a train-teacher checkpoint (default models/teacher.safetensors); --no-align turns the
first-token alignment and the perceptual term off. --teacher-features aligns token 0 to features
computed elsewhere (e.g. SigLIP2's): a safetensors file with float32 'features' [images, F], row i
for training image i (or an int32 'indices' tensor naming each row's image); it has no feature
maps, so the perceptual term is off, and it trains with one worker. Writes RUN_DIR/tokenizer.safetensors (the
previous one kept as .prev), RUN_DIR/log.jsonl and RUN_DIR/recon-<step>.png. --until stops after
that step (the learning-rate schedule still spans --steps); --resume continues from the checkpoint
(its .prev when it is damaged); a RUN_DIR that holds a run is refused without --resume, and --force
moves that run into RUN_DIR/previous-<n>/ first; --init starts from another tokenizer's parameters
(same configuration) with a fresh optimiser.
The adversarial stage (the reference's hinge GAN with DiffAugment, LeCAM and the consistency term)
is on with "train": {"gan": true, "discStart": S}: from step S a discriminator (the teacher, frozen,
with spectral-norm heads on its feature maps) trains beside the tokenizer with its own Adam; its
parameters, optimiser state and LeCAM EMAs are part of the checkpoint. It needs the network teacher
and one worker. Fields: discWeight (0.2), lecamWeight (0.001), lecamDecay (0.999),
consistencyWeight (4), discHidden (64), discLrScale (1: the discriminator's lr as a multiple of the
tokenizer's), discPixelPatch (0; N > 0 adds a head on the image's own N x N patches, not in the reference).
"train": {"ema": 0.999} carries an exponential moving average of the weights beside them (0, the
default: none); the reconstructions drawn during training and 'detailflow export' use it.
--workers N trains data-parallel over N worker threads, each on its own backend with B / N of the
batch (N must divide it); the result equals one worker's up to float rounding. Default: one per
CPU core (reduced to a divisor of the batch) on wasm and cpu, 1 on webgpu and the ONNX backends
(ONNX Runtime threads within one session). --resume is bit-exact with the same N; another N
continues the same run up to float rounding. The default backend is webgpu on a hardware GPU,
else onnx-cpu where ONNX Runtime is installed (about 2x wasm here), else wasm.`;

import { TOKENIZER_KIND, loadTeacher, loadTokenizer } from '../models.ts';
import { checkTrees } from '../../train/checkpoint.ts';
const DEFAULT_TEACHER = 'models/teacher.safetensors';


export const trainTokenizerCommand: Command = {
  name: 'train-tokenizer',
  summary: 'train the 1D coarse-to-fine tokenizer',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, {
      config: 'string', data: 'string', out: 'string', steps: 'number', until: 'number', backend: 'string', teacher: 'string', 'no-align': 'boolean', resume: 'boolean', force: 'boolean', init: 'string', workers: 'number',
      'teacher-features': 'string',
    });
    if (E.isLeft(flags)) return flagProblems(io, 'train-tokenizer', flags.left, usage);
    const f = flags.right;
    const exclusive = [f.teacher !== undefined && '--teacher', f['teacher-features'] !== undefined && '--teacher-features', f['no-align'] && '--no-align'].filter(Boolean);
    const flagErrors = [
      ...(f.out === undefined ? ['--out RUN_DIR is required'] : []),
      ...(exclusive.length > 1 ? [`${exclusive.join(' and ')} exclude each other: choose one teacher, or none with --no-align`] : []),
      ...(f['teacher-features'] !== undefined && f.workers !== undefined && f.workers > 1 ? ['--teacher-features trains with one worker (precomputed features are not sharded yet): drop --workers or pass --workers 1'] : []),
      ...backendFlag(f.backend), ...intFlag('steps', f.steps, 1), ...intFlag('until', f.until, 1), ...intFlag('workers', f.workers, 1),
    ];
    if (flagErrors.length) return flagProblems(io, 'train-tokenizer', flagErrors, usage);
    const sections = decodeSections('train-tokenizer configuration', await readJsonFile(f.config), ['tokenizer', 'train']);
    if (E.isLeft(sections)) return configProblems(io, 'train-tokenizer', sections.left.problems);
    const tc = decodeTokenizerConfig(sections.right.tokenizer);
    const rc = decodeTrainConfig({ ...sections.right.train, ...(f.steps !== undefined ? { steps: f.steps } : {}) });
    if (E.isLeft(tc) || E.isLeft(rc)) {
      return configProblems(io, 'train-tokenizer', [...inSection('tokenizer', tc), ...inSection('train', rc)]);
    }
    // precomputed features have no feature maps, so they carry no perceptual term
    const cfg: TokenizerConfig = f['no-align'] ? { ...tc.right, alignWeight: 0, perceptualWeight: 0 }
      : f['teacher-features'] !== undefined ? { ...tc.right, perceptualWeight: 0 } : tc.right;
    const train: TrainConfig = rc.right;
    const claim = await claimRunDir(f.out!, { checkpoint: 'tokenizer.safetensors', extra: /^recon-\d+\.png$/ }, f, io);
    if (E.isLeft(claim)) { io.err(`detailflow train-tokenizer: ${claim.left}`); return 2; }
    const { dir, file, moved } = claim.right;
    const backend = await chooseBackend(f.backend, { workload: 'training' });
    const data = await loadSplit(f.data, 'train');
    const test = await loadSplit(f.data, 'test');
    if (data.channels !== cfg.channels || data.height !== cfg.size) {
      throw new RunError(`the data is ${data.channels}x${data.height}x${data.width} but the tokenizer is configured for ${cfg.channels}x${cfg.size}x${cfg.size}; set tokenizer.size and tokenizer.channels`);
    }
    // the teacher: a frozen network trained by train-teacher
    let teacher: Teacher | undefined;
    let teacherParams: Tree<HostArray> | undefined;
    let teacherConfig: CnnTeacherConfig | undefined;
    if (f['teacher-features'] !== undefined) {
      teacher = await loadTeacherFeatures(f['teacher-features'], data.count);
    } else if (!f['no-align']) {
      const loaded = await loadTeacher(f.teacher ?? DEFAULT_TEACHER).catch((e: Error) => {
        throw new RunError(`${e.message}\n(train one with 'detailflow train-teacher --out runs/teacher', pass --teacher CKPT, or use --no-align)`);
      });
      teacher = loaded.teacher;
      teacherConfig = loaded.teacher.config;
      teacherParams = loaded.params;
    }
    const tk = tokenizer(cfg, teacher?.featureDim ?? 1);
    const run = tokenizerRun(tk, train, data, { backend, ...(teacher ? { teacher: { teacher, params: teacherParams } } : {}) });
    const fresh = run.initParams();
    // --init starts from trained parameters (e.g. the shipped model) with a fresh optimiser
    const initial = f.init === undefined ? fresh : await initialParams(moved(f.init), cfg, fresh);
    const { state, start } = await startingPoint(f.resume, file, TOKENIZER_KIND, run.initState(initial), io);
    // the adversarial stage's discriminator and LeCAM EMAs train in one process (the replicas do not carry them)
    const workers = train.gan && (f.workers ?? 1) > 1
      ? E.left(`--workers ${f.workers}: the adversarial stage (train.gan) trains with one worker; drop --workers`)
      : teacher?.kind === 'precomputed' || train.gan ? E.right(1) : workersFlag(f.workers, train.batchSize, backend);
    if (E.isLeft(workers)) return flagProblems(io, 'train-tokenizer', [workers.left], usage);
    io.err(`train-tokenizer: ${describeWorkers(workers.right, train.batchSize)} on ${backend}`);
    const progress = progressReporter(io, { total: train.steps, startStep: start, imagesPerStep: train.batchSize });
    const log = jsonlLogger(path.join(dir, 'log.jsonl'));
    const snapshot = test.images.slice(0, 8 * cfg.channels * cfg.size * cfg.size);
    const recipe = tokenizerRecipe(backend, cfg, train, teacherConfig && teacherParams ? { config: teacherConfig, params: teacherParams } : undefined);
    const session = await trainingSession({ ...run, workers: workers.right, recipe, state });
    const save = async (steps: number) => {
      const trees = await session.hostState();
      // the picture first, atomically: a run killed between the two redoes this step and writes it again
      if (train.reconstructionEvery > 0 && (steps % train.reconstructionEvery === 0 || steps === train.steps)) {
        const png = await writeFileAtomic(path.join(dir, `recon-${steps}.png`), await reconstructionPng(tk, backend, (trees.ema ?? trees.params) as never, snapshot, 8));
        if (E.isLeft(png)) throw new RunError(png.left.message);
      }
      return saveCheckpoint(dir, 'tokenizer.safetensors', {
        kind: TOKENIZER_KIND,
        // the whole training state: parameters, optimiser, and the adversarial stage's parts when on
        trees: trees as Readonly<Record<string, Tree<HostArray>>>,
        meta: { config: cfg, train, state: { step: steps }, teacherDim: tk.teacherDim, backend },
      });
    };
    const stop = Math.min(train.steps, f.until ?? train.steps);
    const last = await runSession(session, { start, stop, checkpointEvery: train.checkpointEvery, save, onMetrics: (i, m) => { progress(i, m); void log(i, m); } });
    progress.finish();
    io.out(`tokenizer: ${stop} of ${train.steps} steps done; checkpoint ${last ?? file}`);
    return 0;
  },
};

/** Features computed elsewhere (e.g. SigLIP2's pooled embeddings), one row per training image. */
const loadTeacherFeatures = async (file: string, count: number): Promise<Teacher> => {
  const bytes = await readFileBytes(path.resolve(file), 'pass a safetensors file with a float32 [images, F] tensor named features (see the README)');
  if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
  const t = decodePrecomputedTeacher(bytes.right, { count });
  if (E.isLeft(t)) throw new RunError(`--teacher-features ${file}: ${t.left.message}`);
  return t.right;
};

const initialParams = async (file: string, cfg: TokenizerConfig, fresh: unknown): Promise<TokenizerParams> => {
  const { tk, params } = await loadTokenizer(file);
  const differ = (['size', 'channels', 'patch', 'tokens', 'group', 'causal', 'alpha'] as const).filter((k) => tk.config[k] !== cfg[k]);
  if (differ.length) throw new RunError(`--init ${file}: its ${differ.join(', ')} differ from this run's configuration`);
  const checked = checkTrees({ kind: TOKENIZER_KIND, trees: { params: params as never }, meta: {} }, { params: fresh as never });
  if (E.isLeft(checked)) throw new RunError(`--init ${file}: ${checked.left.message}`);
  return params as never;
};

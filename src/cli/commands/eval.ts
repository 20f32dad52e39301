import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendFlag, chooseBackend, flagProblems, loadSplit, intFlag } from '../common.ts';
import { loadModelPair, loadTokenizerChecked, shippedModel, shippedName } from '../models.ts';
import { loadEvaluator } from '../evaluator-file.ts';
import { progress } from '../progress.ts';
import { RunError } from '../training-run.ts';
import { keyFromSeed } from '../../random/key.ts';
import { checkSampleRequest, type SampleOptions } from '../../detailflow/sample/options.ts';
import { balancedLabels, classAccuracy } from '../../eval/class-accuracy.ts';
import { PR_NEIGHBOURS, prRows, precisionRecall } from '../../eval/precision-recall.ts';
import { extractFeatureSet, featureExtractor, featureFd as fd, metricFloor } from '../../eval/evaluator/features.ts';
import { evaluateReconstruction } from '../../experiments/reconstruction-eval.ts';
import { evaluateGeneration } from '../../experiments/generation-eval.ts';
import type { ArModelFile, TokenizerModel } from '../../detailflow/pretrained/model-files.ts';
import { formatEvalReport, type EvalReport, type GenerationFigures } from '../../eval/report.ts';

/** The default sizes: about a minute on wasm on a 2-core machine (1000 reference images, 1000 samples). */
const QUICK = { limit: 1000, samples: 1000 } as const;
/** --full: the published figures' sizes (all test images, 10000 samples). */
const FULL_SAMPLES = 10000;

const usage = `detailflow eval [--tokenizer CKPT] [--ar CKPT] [--evaluator CKPT] [--full] [--samples N] [--limit M]
                [--batch B] [--cfg S] [--temperature T] [--top-k K] [--top-p P] [--data DIR] [--backend B]
                [--seed S] [--precision-recall] [--json]

Scores with the metric network (--evaluator, default the shipped ${shippedName('evaluator')}; see train-evaluator):
  reconstruction  the first M test images encoded and decoded with all tokens: rFD (Frechet
                  distance of the metric network's features, reconstructions vs originals) and PSNR;
  generation      N class-balanced samples (classes 0, 1, ..., 0, 1, ...) from the grouped sampler
                  (--cfg, default 1: none; --temperature, --top-k, --top-p as in sample): gFD
                  against the M test images, and class accuracy (how often the metric network
                  classifies a sample as the class it was asked for).
Models: with neither --tokenizer nor --ar, the shipped pair (${shippedName('tokenizer')} and
${shippedName('ar')}). --tokenizer CKPT alone scores that tokenizer's reconstructions only
(the shipped AR model speaks the shipped tokenizer's codes); add --ar CKPT for generation.
--ar CKPT alone samples with it and decodes with the shipped tokenizer.
Sizes: by default M = ${QUICK.limit} and N = ${QUICK.samples}, about a minute on wasm on 2 cores. --full scores all
test images (M = 10000) and N = ${FULL_SAMPLES} samples, the sizes of published figures (about 10 times
longer); --limit and --samples set M and N themselves.
Images are clamped to [-1, 1] before scoring. --precision-recall adds k-NN precision and recall
(k = ${PR_NEIGHBOURS}) on the same features (O(n^2): slow for 10000). Time per image covers the
tokenizer (and sampler), plans' compilation included. --seed (default 0) fixes the samples;
--batch (default 100) images per step. Every figure states how many images it was measured on.
Progress goes to stderr, the report to stdout.`;

const spec = {
  tokenizer: 'string', ar: 'string', evaluator: 'string', samples: 'number', limit: 'number', batch: 'number', cfg: 'number',
  temperature: 'number', 'top-k': 'number', 'top-p': 'number', data: 'string', backend: 'string', seed: 'number',
  'precision-recall': 'boolean', json: 'boolean', full: 'boolean',
} as const;

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score a tokenizer (rFD, PSNR) and an AR model (gFD, class accuracy, precision/recall)',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, spec);
    if (E.isLeft(flags)) return flagProblems(io, 'eval', flags.left, usage);
    const f = flags.right;
    const prMin = f['precision-recall'] ? PR_NEIGHBOURS + 1 : 2;
    // the shipped pair unless a model is named; a tokenizer of one's own does not speak the shipped AR model's codes
    const shippedPair = f.tokenizer === undefined && f.ar === undefined;
    const tokenizerFile = f.tokenizer ?? shippedModel('tokenizer');
    const arFile = f.ar ?? (shippedPair ? shippedModel('ar') : undefined);
    const problems = [
      ...intFlag('samples', f.samples, prMin), ...intFlag('limit', f.limit, prMin), ...intFlag('batch', f.batch, 1),
      ...intFlag('seed', f.seed, 0),
      ...backendFlag(f.backend),
      ...(arFile === undefined ? ['cfg', 'temperature', 'top-k', 'top-p', 'samples'].filter((k) => f[k as keyof typeof f] !== undefined).map((k) => `--${k} needs --ar (it applies to sampling)`) : []),
    ];
    if (problems.length) return flagProblems(io, 'eval', problems, usage);
    const evaluatorFile = f.evaluator ?? shippedModel('evaluator');
    const evaluator = await loadEvaluator(evaluatorFile);
    const models: E.Either<string[], { tokenizer: TokenizerModel; ar?: ArModelFile }> = arFile === undefined
      ? E.map((tokenizer: TokenizerModel) => ({ tokenizer }))(await loadTokenizerChecked(tokenizerFile))
      : await loadModelPair(tokenizerFile, arFile);
    if (E.isLeft(models)) {
      io.err(models.left.map((p) => `detailflow eval: ${p}`).join('\n'));
      return 2;
    }
    const { tokenizer, ar } = models.right;
    const tc = tokenizer.tk.config;
    const ec = evaluator.net.config;
    const sampling: SampleOptions = {
      ...(f.cfg !== undefined ? { cfg: f.cfg } : {}), ...(f.temperature !== undefined ? { temperature: f.temperature } : {}),
      ...(f['top-k'] !== undefined ? { topK: f['top-k'] } : {}), ...(f['top-p'] !== undefined ? { topP: f['top-p'] } : {}),
      tokenizer: { codebookSize: tc.codebookSize, tokens: tc.tokens, group: tc.group, causal: tc.causal, ...(tc.spans ? { spans: tc.spans } : {}) },
    };
    const pair = [
      ...(ec.size !== tc.size || ec.channels !== tc.channels ? [`the evaluator takes ${ec.channels}x${ec.size}x${ec.size} images, the tokenizer makes ${tc.channels}x${tc.size}x${tc.size}`] : []),
      ...(ar && ar.config.classes !== ec.classes ? [`the AR model has ${ar.config.classes} classes, the evaluator ${ec.classes}: class accuracy needs the same classes`] : []),
    ];
    if (ar) {
      const req = checkSampleRequest(ar.config, [0], sampling, 'grouped');
      if (E.isLeft(req)) pair.push(...req.left.problems);
    }
    if (pair.length) {
      io.err(`detailflow eval: these models cannot be evaluated together:\n${pair.map((p) => `  - ${p}`).join('\n')}`);
      return 2;
    }
    const backend = await chooseBackend(f.backend);
    const test = await loadSplit(f.data, 'test');
    if (test.channels !== tc.channels || test.height !== tc.size || test.width !== tc.size) throw new RunError(`the data is ${test.channels}x${test.height}x${test.width} but the tokenizer expects ${tc.channels}x${tc.size}x${tc.size}`);
    const m = Math.min(f.limit ?? (f.full ? test.count : QUICK.limit), test.count);
    const per = tc.channels * tc.size * tc.size;
    const images = test.images.subarray(0, m * per);
    const batch = f.batch ?? 100;
    const seed = f.seed ?? 0;
    const ex = featureExtractor(evaluator.net, evaluator.params, { backend });
    const phase = async <A>(label: string, total: number, work: (onBatch: (done: number) => void) => Promise<A>, unit = 'images'): Promise<A> => {
      const bar = progress(io, { label: `eval: ${label}`, total, unit });
      try { return await work((done) => bar.update(done)); } finally { bar.finish(); }
    };
    const real = await phase('test images', m, (on) => extractFeatureSet(ex, images, [tc.channels, tc.size, tc.size], batch, on));
    const refAcc = classAccuracy(real.predictions, test.labels.subarray(0, m), ec.classes).accuracy;
    const train = await loadSplit(f.data, 'train');
    const floor = await phase('training images (floor)', Math.min(m, train.count), (on) => metricFloor(ex, train.images, real, [tc.channels, tc.size, tc.size], batch, on));
    const rec = await phase('reconstruction', m, (on) => evaluateReconstruction(tokenizer, ex, images, batch, { backend }, on));
    const withPr = f['precision-recall'] === true;
    // O(n^2) on the host: seconds for 2000 images, minutes for 10000, so it shows progress too
    const prPhase = (label: string, a: Float32Array | Float64Array, b: Float32Array | Float64Array) =>
      phase(label, prRows(a.length / ex.featureDim, b.length / ex.featureDim), async (on) => precisionRecall(a, b, ex.featureDim, PR_NEIGHBOURS, on), 'feature rows');
    const recPr = withPr ? await prPhase('precision and recall of the reconstructions', real.features, rec.features.features) : undefined;
    let generation: GenerationFigures | undefined;
    if (ar) {
      const labels = balancedLabels(f.samples ?? (f.full ? FULL_SAMPLES : QUICK.samples), ar.config.classes);
      const gen = await phase('generation', labels.length, (on) => evaluateGeneration({ ...tokenizer, ar }, ex, labels, batch, keyFromSeed(seed), sampling, { backend }, on));
      const acc = classAccuracy(gen.features.predictions, labels, ec.classes);
      generation = {
        samples: gen.samples, reference: m, gfd: fd(real, gen.features), classAccuracy: acc.accuracy,
        perClassAccuracy: acc.perClass.map((c) => c.accuracy), samplesPerClass: acc.perClass.map((c) => c.count),
        secondsPerImage: gen.seconds / gen.samples, passes: gen.passes,
        sampling: { cfg: f.cfg ?? 1, temperature: f.temperature ?? 1, ...(f['top-k'] !== undefined ? { topK: f['top-k'] } : {}), ...(f['top-p'] !== undefined ? { topP: f['top-p'] } : {}) },
        ...(withPr ? { precisionRecall: await prPhase('precision and recall of the samples', real.features, gen.features.features) } : {}),
      };
    }
    const report: EvalReport = {
      backend, seed, tokenizer: path.basename(tokenizerFile),
      evaluator: { file: path.basename(evaluatorFile), referenceAccuracy: refAcc, referenceImages: m, featureDim: ex.featureDim },
      reconstruction: {
        images: rec.images, rfd: fd(real, rec.features), psnr: rec.psnr, secondsPerImage: rec.seconds / rec.images,
        ...(recPr ? { precisionRecall: recPr } : {}),
      },
      floor, ...(ar && arFile !== undefined ? { ar: path.basename(arFile) } : {}), ...(generation ? { generation } : {}),
    };
    io.out(f.json ? JSON.stringify(report) : formatEvalReport(report).join('\n'));
    return 0;
  },
};

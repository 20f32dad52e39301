import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendFlag, chooseBackend, flagProblems, loadSplit, intFlag } from '../common.ts';
import { loadArModel, loadTokenizer } from '../models.ts';
import { DEFAULT_EVALUATOR, loadEvaluator } from '../evaluator-file.ts';
import { RunError } from '../training-run.ts';
import { keyFromSeed } from '../../random/key.ts';
import { checkSampleRequest, type SampleOptions } from '../../detailflow/sample/options.ts';
import { balancedLabels, classAccuracy } from '../../eval/class-accuracy.ts';
import { gaussianOf } from '../../eval/feature-stats.ts';
import { frechetDistance } from '../../eval/frechet.ts';
import { PR_NEIGHBOURS, precisionRecall } from '../../eval/precision-recall.ts';
import { extractFeatureSet, featureExtractor, type FeatureSet } from '../../eval/evaluator/features.ts';
import { evaluateReconstruction } from '../../experiments/reconstruction-eval.ts';
import { evaluateGeneration } from '../../experiments/generation-eval.ts';
import { formatEvalReport, type EvalReport, type GenerationFigures } from '../../eval/report.ts';

const usage = `detailflow eval --tokenizer CKPT [--ar CKPT] [--evaluator CKPT] [--samples N] [--limit M] [--batch B]
                 [--cfg S] [--temperature T] [--top-k K] [--top-p P] [--data DIR] [--backend B] [--seed S]
                 [--precision-recall] [--json]

Scores with the metric network (--evaluator, default ${DEFAULT_EVALUATOR}; see train-evaluator):
  reconstruction  the first M test images (default all) encoded and decoded with all tokens:
                  rFD (Frechet distance of the metric network's features, reconstructions vs
                  originals) and PSNR;
  generation      with --ar: N class-balanced samples (default 10000; classes 0, 1, ..., 0, 1, ...)
                  from the grouped sampler (--cfg, --temperature, --top-k, --top-p as in sample):
                  gFD against the M test images, and class accuracy (how often the metric network
                  classifies a sample as the class it was asked for).
Images are clamped to [-1, 1] before scoring. --precision-recall adds k-NN precision and recall
(k = ${PR_NEIGHBOURS}) on the same features (O(n^2): slow for 10000). Time per image covers the
tokenizer (and sampler), plans' compilation included. --seed (default 0) fixes the samples;
--batch (default 100) images per step. Every figure states how many images it was measured on.`;

const spec = {
  tokenizer: 'string', ar: 'string', evaluator: 'string', samples: 'number', limit: 'number', batch: 'number', cfg: 'number',
  temperature: 'number', 'top-k': 'number', 'top-p': 'number', data: 'string', backend: 'string', seed: 'number',
  'precision-recall': 'boolean', json: 'boolean',
} as const;

const fd = (a: FeatureSet, b: FeatureSet): number => frechetDistance(gaussianOf(a.stats), gaussianOf(b.stats));

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score a tokenizer (rFD, PSNR) and an AR model (gFD, class accuracy, precision/recall)',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, spec);
    if (E.isLeft(flags)) return flagProblems(io, 'eval', flags.left, usage);
    const f = flags.right;
    const prMin = f['precision-recall'] ? PR_NEIGHBOURS + 1 : 2;
    const problems = [
      ...(f.tokenizer === undefined ? ['--tokenizer CKPT is required'] : []),
      ...intFlag('samples', f.samples, prMin), ...intFlag('limit', f.limit, prMin), ...intFlag('batch', f.batch, 1),
      ...intFlag('seed', f.seed, 0),
      ...backendFlag(f.backend),
      ...(f.ar === undefined ? ['cfg', 'temperature', 'top-k', 'top-p', 'samples'].filter((k) => f[k as keyof typeof f] !== undefined).map((k) => `--${k} needs --ar (it applies to sampling)`) : []),
    ];
    if (problems.length) return flagProblems(io, 'eval', problems, usage);
    const evaluatorFile = f.evaluator ?? DEFAULT_EVALUATOR;
    const evaluator = await loadEvaluator(evaluatorFile);
    const tokenizer = await loadTokenizer(f.tokenizer!);
    const ar = f.ar === undefined ? undefined : await loadArModel(f.ar);
    const tc = tokenizer.tk.config;
    const ec = evaluator.net.config;
    const sampling: SampleOptions = {
      ...(f.cfg !== undefined ? { cfg: f.cfg } : {}), ...(f.temperature !== undefined ? { temperature: f.temperature } : {}),
      ...(f['top-k'] !== undefined ? { topK: f['top-k'] } : {}), ...(f['top-p'] !== undefined ? { topP: f['top-p'] } : {}),
      tokenizer: { codebookSize: tc.codebookSize, tokens: tc.tokens, group: tc.group, causal: tc.causal },
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
    const m = Math.min(f.limit ?? test.count, test.count);
    const per = tc.channels * tc.size * tc.size;
    const images = test.images.subarray(0, m * per);
    const batch = f.batch ?? 100;
    const seed = f.seed ?? 0;
    const ex = featureExtractor(evaluator.net, evaluator.params, { backend });
    const real = await extractFeatureSet(ex, images, [tc.channels, tc.size, tc.size], batch);
    const refAcc = classAccuracy(real.predictions, test.labels.subarray(0, m), ec.classes).accuracy;
    const rec = await evaluateReconstruction(tokenizer, ex, images, batch, { backend });
    const withPr = f['precision-recall'] === true;
    let generation: GenerationFigures | undefined;
    if (ar) {
      const labels = balancedLabels(f.samples ?? 10000, ar.config.classes);
      const gen = await evaluateGeneration({ ...tokenizer, ar }, ex, labels, batch, keyFromSeed(seed), sampling, { backend });
      const acc = classAccuracy(gen.features.predictions, labels, ec.classes);
      generation = {
        samples: gen.samples, reference: m, gfd: fd(real, gen.features), classAccuracy: acc.accuracy,
        perClassAccuracy: acc.perClass.map((c) => c.accuracy), samplesPerClass: acc.perClass.map((c) => c.count),
        secondsPerImage: gen.seconds / gen.samples, passes: gen.passes,
        sampling: { cfg: f.cfg ?? 1, temperature: f.temperature ?? 1, ...(f['top-k'] !== undefined ? { topK: f['top-k'] } : {}), ...(f['top-p'] !== undefined ? { topP: f['top-p'] } : {}) },
        ...(withPr ? { precisionRecall: precisionRecall(real.features, gen.features.features, ex.featureDim) } : {}),
      };
    }
    const report: EvalReport = {
      backend, seed, tokenizer: path.basename(f.tokenizer!),
      evaluator: { file: path.basename(evaluatorFile), referenceAccuracy: refAcc, referenceImages: m, featureDim: ex.featureDim },
      reconstruction: {
        images: rec.images, rfd: fd(real, rec.features), psnr: rec.psnr, secondsPerImage: rec.seconds / rec.images,
        ...(withPr ? { precisionRecall: precisionRecall(real.features, rec.features.features, ex.featureDim) } : {}),
      },
      ...(ar ? { ar: path.basename(f.ar!) } : {}), ...(generation ? { generation } : {}),
    };
    io.out(f.json ? JSON.stringify(report) : formatEvalReport(report).join('\n'));
    return 0;
  },
};

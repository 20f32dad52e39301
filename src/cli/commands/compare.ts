import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendFlag, chooseBackend, flagProblems, loadSplit, outputProblems, readJsonFile, intFlag } from '../common.ts';
import { DEFAULT_EVALUATOR, loadEvaluator } from '../evaluator-file.ts';
import { prepareRunDir, RunError } from '../training-run.ts';
import { withCompileScope } from '../../compile/compile.ts';
import { readFileBytes, writeFileAtomic } from '../../platform/files.ts';
import { loadTeacher as loadTeacherFile, shippedModel } from '../models.ts';
import { budgets, decodeBudget, isBudgetName, type CompareBudget } from '../../detailflow/baselines/budget.ts';
import { pickVariants, variantNames, type Variant } from '../../detailflow/baselines/variants.ts';
import { trainVariant, type TrainedVariant, type TrainOptions } from '../../detailflow/baselines/train-variant.ts';
import { scoreVariant, type VariantRow } from '../../experiments/score-variant.ts';
import { formatCompareTable } from '../../experiments/compare-table.ts';
import { decodeVariant, encodeVariant } from '../../detailflow/baselines/variant-file.ts';
import { extractFeatureSet, featureExtractor, metricFloor } from '../../eval/evaluator/features.ts';

const DEFAULT_TEACHER = 'models/teacher.safetensors';

const usage = `detailflow compare [--budget smoke|brief|small|FILE.json] [--variants a,b,...] [--out RUN_DIR] [--reuse]
                   [--samples N] [--limit M] [--teacher CKPT | --no-teacher] [--evaluator CKPT]
                   [--data DIR] [--backend B] [--seed S] [--json]

Trains every variant under the same budget and prints one table: variant, tokens, AR forward passes
per image, parameters (tokenizer, AR), rFD and PSNR (first M test images reconstructed with all
tokens), gFD and class accuracy (N class-balanced samples vs those M test images, scored by the
metric network, --evaluator default ${DEFAULT_EVALUATOR}), warm sampling speed (images/s) and
training seconds. Variants: ${variantNames.join(', ')} (default all); each is the base DetailFlow
configuration with a few fields changed (raster: a 2D VQ of the same parts, one token per patch, with
a next-token GPT; fsq: finite scalar quantisation, levels 8, 5, 5, 5, in place of the VQ codebook).
Per variant: the tokenizer trains for the budget's steps in memory, the first K training images and
their flips are encoded, the AR model trains on those codes.
--budget smoke (tiny models, 2 steps: checks that everything runs; default), brief (a half-size
tokenizer, 240 steps each: about 1.5 h for all rows on two cores), small (the shipped models' sizes,
a few hundred steps each: hours on a CPU), or a JSON file {name, tokenizer,
tokenizerTrain, ar, arTrain, codeImages, samples, limit, batch} (nested configs over their
defaults). --samples and --limit override the budget's. --out saves each trained variant as
RUN_DIR/<variant>.safetensors and the table as RUN_DIR/compare.json; with --reuse a saved variant
trained under the same budget is loaded instead of trained. A saved variant is never written over:
without --reuse, or saved under another budget, it stops the run. One compare trains on one core: to use
more, run one process per core with disjoint --variants and the same --out, then one with --reuse
to tabulate every row (each is then scored alone, so speeds are not disturbed). --teacher (default ${DEFAULT_TEACHER})
is used by every row for the alignment and perceptual terms and as the discriminator's backbone in
the adversarial stage; --no-teacher turns all three off everywhere.`;

const spec = {
  budget: 'string', variants: 'string', out: 'string', reuse: 'boolean', samples: 'number', limit: 'number', teacher: 'string',
  'no-teacher': 'boolean', evaluator: 'string', data: 'string', backend: 'string', seed: 'number', json: 'boolean',
} as const;

const resolveBudget = async (flag: string | undefined): Promise<E.Either<string[], CompareBudget>> => {
  const name = flag ?? 'smoke';
  if (isBudgetName(name)) return E.right(budgets[name]);
  if (!name.endsWith('.json')) return E.left([`--budget: expected ${Object.keys(budgets).join(', ')} or a .json file, got '${name}'`]);
  const raw = await readJsonFile(name) as Record<string, unknown>;
  const b = decodeBudget({ name: path.basename(name, '.json'), ...raw });
  return E.isLeft(b) ? E.left(b.left.problems.map((p) => `--budget ${name}: ${p}`)) : E.right(b.right);
};

const loadTeacher = async (file: string): Promise<NonNullable<TrainOptions['teacher']>> => {
  const { teacher, params } = await loadTeacherFile(file).catch((e: Error) => {
    throw new RunError(`${e.message}\n(train one with 'detailflow train-teacher --out runs/teacher', pass --teacher CKPT, or use --no-teacher)`);
  });
  return { teacher, params };
};

/**
 * The saved row --reuse finds, or undefined when there is none. A file it cannot use (another
 * budget, another variant, damaged) stops the run: training again would write over it.
 */
const savedVariant = async (file: string, v: Variant, budget: CompareBudget): Promise<TrainedVariant | undefined> => {
  if (!existsSync(file)) return undefined;
  const bytes = await readFileBytes(file, 'a compare variant file');
  const r = E.isLeft(bytes) ? E.left(bytes.left.message) : decodeVariant(bytes.right, v, budget);
  if (E.isLeft(r)) throw new RunError(`compare: cannot reuse ${file}: ${r.left}; move it away to train the row again, or choose another --out`);
  return r.right;
};

export const compareCommand: Command = {
  name: 'compare',
  summary: 'train DetailFlow, its ablations and a raster-order baseline under one budget and tabulate them',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, spec);
    if (E.isLeft(flags)) return flagProblems(io, 'compare', flags.left, usage);
    const f = flags.right;
    const picked = pickVariants(f.variants?.split(',').map((s) => s.trim()).filter((s) => s !== ''));
    const budget0 = await resolveBudget(f.budget);
    const problems = [
      ...(picked.unknown.length ? [`--variants: unknown ${picked.unknown.join(', ')} (known: ${variantNames.join(', ')})`] : []),
      ...(f.variants !== undefined && picked.variants.length === 0 && picked.unknown.length === 0 ? ['--variants: name at least one variant'] : []),
      ...(E.isLeft(budget0) ? budget0.left : []),
      ...intFlag('samples', f.samples, 2), ...intFlag('limit', f.limit, 2), ...intFlag('seed', f.seed, 0),
      ...(f.reuse && f.out === undefined ? ['--reuse needs --out RUN_DIR (where the variants were saved)'] : []),
      ...(f.teacher !== undefined && f['no-teacher'] ? ['--teacher and --no-teacher contradict each other'] : []),
      ...backendFlag(f.backend),
      ...(f.out === undefined ? [] : await outputProblems({}, { out: f.out })),
      // a saved row is a trained model: never written over
      ...(f.out === undefined || f.reuse ? [] : picked.variants.filter((v) => existsSync(path.join(f.out as string, `${v.name}.safetensors`)))
        .map((v) => `--out ${f.out}: ${v.name}.safetensors exists (a row trained earlier); pass --reuse to load it, or choose another --out`)),
    ];
    if (problems.length || E.isLeft(budget0)) return flagProblems(io, 'compare', problems, usage);
    const budget: CompareBudget = { ...budget0.right, ...(f.samples !== undefined ? { samples: f.samples } : {}), ...(f.limit !== undefined ? { limit: f.limit } : {}) };
    const dir = f.out === undefined ? undefined : await prepareRunDir(f.out);
    const fileOf = (v: Variant) => (dir === undefined ? undefined : path.join(dir, `${v.name}.safetensors`));
    // every saved row is read before any work, so one that cannot be reused stops the run at once
    const saved = new Map<string, TrainedVariant>();
    for (const v of f.reuse ? picked.variants : []) {
      const r = await savedVariant(fileOf(v) as string, v, budget);
      if (r) saved.set(v.name, r);
    }
    const evaluator = await loadEvaluator(f.evaluator ?? shippedModel('evaluator'));
    const teacher = f['no-teacher'] ? undefined : await loadTeacher(f.teacher ?? DEFAULT_TEACHER);
    const backend = await chooseBackend(f.backend);
    const [train, test] = [await loadSplit(f.data, 'train'), await loadSplit(f.data, 'test')];
    const m = Math.min(budget.limit, test.count);
    const per = test.channels * test.height * test.width;
    const testImages = test.images.subarray(0, m * per);
    const ex = featureExtractor(evaluator.net, evaluator.params, { backend });
    const rows: VariantRow[] = [];
    const real = await extractFeatureSet(ex, testImages, [test.channels, test.height, test.width], budget.batch);
    const floor = await metricFloor(ex, train.images, real, [test.channels, test.height, test.width], budget.batch);
    for (const v of picked.variants) {
      const file = fileOf(v);
      const reused = saved.get(v.name);
      let lastReport = 0;
      // a row's graphs (one ONNX session per tokenizer prefix on onnx-cpu) are freed with the row
      const trained = reused ?? await withCompileScope(() => trainVariant(v, budget, train, {
        backend, ...(teacher ? { teacher } : {}),
        onProgress: (stage, step, metrics) => {
          if (performance.now() - lastReport < 10_000 && stage !== 'codes') return;
          lastReport = performance.now();
          io.err(`compare ${v.name}: ${stage} ${stage === 'codes' ? `${step} rows` : `step ${step}, loss ${metrics.loss?.toFixed(4)}`}`);
        },
      }));
      if (file && !reused) {
        const w = await writeFileAtomic(file, encodeVariant(trained, budget));
        if (E.isLeft(w)) throw new RunError(w.left.message);
      }
      const row = await withCompileScope(() => scoreVariant(trained, budget, { ex, real, testImages, classes: evaluator.net.config.classes, seed: f.seed ?? 0 }, { backend }));
      rows.push(row);
      io.err(`compare ${v.name}: ${reused ? 'loaded' : 'trained'}; rFD ${row.rfd.toFixed(2)}, gFD ${row.gfd.toFixed(2)}, ${row.imagesPerSecond.toFixed(1)} images/s`);
    }
    const report = { budget, backend, teacher: teacher !== undefined, floor, rows };
    if (dir) {
      const w = await writeFileAtomic(path.join(dir, 'compare.json'), new TextEncoder().encode(`${JSON.stringify(report, null, 1)}\n`));
      if (E.isLeft(w)) throw new RunError(w.left.message);
    }
    io.out(f.json ? JSON.stringify(report) : formatCompareTable(rows, backend, floor).join('\n'));
    return 0;
  },
};

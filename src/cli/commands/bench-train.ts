import * as E from 'fp-ts/lib/Either.js';
import { parseFlags } from '../args.ts';
import type { Command } from '../command.ts';
import { backendFlag, chooseBackend, flagProblems } from '../common.ts';
import { formatFigures, formatTrainBench, runTrainBench, type BenchModel, type TrainBenchResult } from '../train-bench.ts';

const USAGE = [
  'Usage: detailflow bench train [--backend B] [--json] [--steps 3] [--batch 32] [--workers 1,2] [--models tokenizer,ar]',
  '',
  'Images/s of the tokenizer\'s and the AR model\'s training steps (default configurations, random',
  'initialisation, synthetic data) with each worker count (default 1 and 2, data-parallel worker',
  'threads), the speed-up over the first count (target >= 1.7x for 2 workers on 2 cores), and the',
  'largest difference of the final parameters and optimiser state from the first count\'s run.',
  'Untimed steps first compile every plan the timed steps use. Backend: wasm unless given.',
  'Other work on the machine lowers the speed-up; the load average is printed with the result.',
  'With --backend onnx-cpu the run times onnx-cpu with 1 worker (ONNX Runtime threads within one',
  'session) and then wasm with --workers (default 2) in the same process, and prints the ratio',
  '(target >= 4x for the tokenizer). The first onnx-cpu step builds each ONNX model and session.',
].join('\n');

/** onnx-cpu against the baseline (wasm) of the same run: images/s ratio per model. */
export const formatOnnxComparison = (onnx: TrainBenchResult, base: TrainBenchResult): string => [
  `bench train: onnx-cpu (1 worker) against ${base.backend} (its fastest worker count), same run`,
  ...(Object.keys(onnx.models) as BenchModel[]).map((m) => {
    const o = onnx.models[m]!.figures[0];
    const w = base.models[m]!.figures.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
    const r = o.imagesPerSecond / w.imagesPerSecond;
    return `  ${m.padEnd(9)} onnx-cpu ${o.imagesPerSecond.toFixed(2)} img/s (setup ${o.setupSeconds.toFixed(1)} s) vs ${base.backend} ${w.workers} worker${w.workers === 1 ? '' : 's'} ${w.imagesPerSecond.toFixed(2)} img/s: ${r.toFixed(2)}x${m === 'tokenizer' ? ` (target >= 4x${r >= 4 ? ', met' : ', NOT met'})` : ''}`;
  }),
].join('\n');

const FLAGS = { backend: 'string', json: 'boolean', steps: 'number', batch: 'number', workers: 'string', models: 'string' } as const;

const MODELS: readonly BenchModel[] = ['tokenizer', 'ar'];

export const benchTrainCommand: Command = {
  name: 'bench-train',
  summary: 'images/s of the tokenizer and AR training steps with 1 and 2 data-parallel workers',
  usage: USAGE,
  run: async (argv, io) => {
    const parsed = parseFlags(argv, FLAGS);
    if (E.isLeft(parsed)) return flagProblems(io, 'bench train', parsed.left, USAGE);
    const f = parsed.right;
    const problems: string[] = [];
    const steps = f.steps ?? 3;
    const batch = f.batch ?? 32;
    if (!(Number.isInteger(steps) && steps >= 1)) problems.push(`--steps must be a positive integer, got ${steps}`);
    if (!(Number.isInteger(batch) && batch >= 1)) problems.push(`--batch must be a positive integer, got ${batch}`);
    const onnx = f.backend === 'onnx-cpu';
    const workers = (f.workers ?? (onnx ? '2' : '1,2')).split(',').map((s) => Number(s.trim()));
    if (workers.some((w) => !(Number.isInteger(w) && w >= 1))) problems.push(`--workers takes a comma list of positive integers, got '${f.workers}'`);
    else if (workers.some((w) => batch % w !== 0)) problems.push(`--workers: every count must divide the batch of ${batch}, got ${workers.join(', ')}`);
    const models = (f.models ?? MODELS.join(',')).split(',').map((s) => s.trim()) as BenchModel[];
    if (models.some((m) => !MODELS.includes(m))) problems.push(`--models takes a comma list of ${MODELS.join(', ')}, got '${f.models}'`);
    problems.push(...backendFlag(f.backend));
    if (problems.length) return flagProblems(io, 'bench train', problems, USAGE);
    const backend = await chooseBackend(f.backend ?? 'wasm');
    const onFiguresOf = (b: string) => (m: BenchModel, fig: Parameters<typeof formatFigures>[1]) => io.err(`bench train: done ${formatFigures(m, fig).trim()} (${b})`);
    if (onnx) {
      // one worker on onnx-cpu (ONNX Runtime uses every core in one session), then the wasm baseline
      const result = await runTrainBench({ backend, batch, steps, workers: [1], models, onFigures: onFiguresOf(backend) });
      const wasm = await runTrainBench({ backend: await chooseBackend('wasm'), batch, steps, workers, models, onFigures: onFiguresOf('wasm') });
      io.out(f.json ? JSON.stringify({ onnx: result, wasm }) : [formatTrainBench(result), formatTrainBench(wasm), formatOnnxComparison(result, wasm)].join('\n'));
      return 0;
    }
    const result = await runTrainBench({ backend, batch, steps, workers, models, onFigures: onFiguresOf(backend) });
    io.out(f.json ? JSON.stringify(result) : formatTrainBench(result));
    return 0;
  },
};

import * as E from 'fp-ts/lib/Either.js';
import { parseFlags } from '../args.ts';
import type { Command } from '../command.ts';
import { backendFlag, chooseBackend, flagProblems } from '../common.ts';
import { formatFigures, formatTrainBench, runTrainBench, type BenchModel } from '../train-bench.ts';

const USAGE = [
  'Usage: detailflow bench train [--backend B] [--json] [--steps 3] [--batch 32] [--workers 1,2] [--models tokenizer,ar]',
  '',
  'Images/s of the tokenizer\'s and the AR model\'s training steps (default configurations, random',
  'initialisation, synthetic data) with each worker count (default 1 and 2, data-parallel worker',
  'threads), the speed-up over the first count (target >= 1.7x for 2 workers on 2 cores), and the',
  'largest difference of the final parameters and optimiser state from the first count\'s run.',
  'Untimed steps first compile every plan the timed steps use. Backend: wasm unless given.',
  'Other work on the machine lowers the speed-up; the load average is printed with the result.',
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
    const workers = (f.workers ?? '1,2').split(',').map((s) => Number(s.trim()));
    if (workers.some((w) => !(Number.isInteger(w) && w >= 1))) problems.push(`--workers takes a comma list of positive integers, got '${f.workers}'`);
    else if (workers.some((w) => batch % w !== 0)) problems.push(`--workers: every count must divide the batch of ${batch}, got ${workers.join(', ')}`);
    const models = (f.models ?? MODELS.join(',')).split(',').map((s) => s.trim()) as BenchModel[];
    if (models.some((m) => !MODELS.includes(m))) problems.push(`--models takes a comma list of ${MODELS.join(', ')}, got '${f.models}'`);
    problems.push(...backendFlag(f.backend));
    if (problems.length) return flagProblems(io, 'bench train', problems, USAGE);
    const backend = await chooseBackend(f.backend ?? 'wasm');
    const result = await runTrainBench({
      backend, batch, steps, workers, models,
      onFigures: (m, fig) => io.err(`bench train: done ${formatFigures(m, fig).trim()}`),
    });
    io.out(f.json ? JSON.stringify(result) : formatTrainBench(result));
    return 0;
  },
};

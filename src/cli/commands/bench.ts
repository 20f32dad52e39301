import * as E from 'fp-ts/lib/Either.js';
import { parseFlags } from '../args.ts';
import type { CliIO, Command } from '../command.ts';
import { backendNames, isOnnxBackend, useBackend, type BackendName } from '../../compile/backend.ts';
import { defaultCoreBench, type CoreBenchConfig } from '../../bench/core-config.ts';
import { runCoreBench, type CoreBenchResult } from '../../bench/core.ts';
import { benchSampleCommand } from './bench-sample.ts';
import { benchTrainCommand } from './bench-train.ts';
import type { TfjsVariant } from '../../bench/tfjs-step.ts';
import { installNodeWebGPU } from '../../platform/node-webgpu.ts';
import { installOnnxRuntime } from '../../platform/onnx-node.ts';

const USAGE_ERROR = 2;
const variants: readonly TfjsVariant[] = ['tape', 'tuned'];
const SUBCOMMANDS = ['core', 'sample', 'train'] as const;

const USAGE = [
  'Usage: detailflow bench core [--backend B] [--json] [--steps N] [--warmup W] [--baseline tape|tuned|both] [--jax=false]',
  '                             [--depth L] [--width D] [--heads H] [--mlp M] [--batch B] [--seq T]',
  '',
  'core: one training step (forward, backward, AdamW) of a pre-LN transformer stack, compiled through',
  'the DSL, against the same step written directly in tfjs on the same backend. Prints the median time',
  'per step of N (default 5) after W (default 2) warm-up steps, the ratio DSL/tfjs and matmul GFLOP/s.',
  'Baselines: tape = stock tfjs gradients (matMul with transpose flags); tuned = the same with matmul',
  'gradients that transpose explicitly (as the DSL does; the flagged kernels are slow on wasm).',
  'On onnx-cpu the tfjs baselines do not apply: the same DSL step runs on wasm beside it, and ONNX',
  "Runtime's own 1024x1024x1024 MatMul (all threads) is timed as the machine's peak in that run.",
  'jax-js: on wasm, webgpu and cpu the same step also runs in jax-js (dev dependency @jax-js/jax) as',
  'one jit of valueAndGrad and AdamW, on its backend of the same name, with the ratio DSL/jax-js;',
  '--jax=false leaves it out.',
  `Defaults: backend wasm, depth ${defaultCoreBench.depth}, width ${defaultCoreBench.width}, heads ${defaultCoreBench.heads}, mlp ${defaultCoreBench.mlpWidth}, batch ${defaultCoreBench.batch}, seq ${defaultCoreBench.seq}.`,
  '',
  "sample: images/s of the AR samplers (grouped and token by token, with and without a KV cache);",
  "see 'detailflow bench sample --help'.",
  '',
  'train: images/s of the tokenizer and AR training steps with 1 and 2 data-parallel workers, the',
  'speed-up and the parameter difference; flags [--backend B] [--json] [--steps 3] [--batch 32]',
  '[--workers 1,2] [--models tokenizer,ar].',
].join('\n');

const FLAGS = {
  backend: 'string', json: 'boolean', steps: 'number', warmup: 'number', baseline: 'string',
  depth: 'number', width: 'number', heads: 'number', mlp: 'number', batch: 'number', seq: 'number', jax: 'boolean',
} as const;

const positiveInt = (name: string, v: number | undefined, fallback: number, problems: string[]): number => {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1) problems.push(`--${name} must be a positive integer, got ${v}`);
  return v;
};

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

const formatCoreBench = (r: CoreBenchResult): string => {
  const c = r.config;
  const row = (name: string, x: CoreBenchResult['dsl']) =>
    `  ${name.padEnd(10)} median ${fmt(x.medianMs).padStart(10)}  first ${fmt(x.firstMs).padStart(10)}  ${x.gflops.toFixed(2).padStart(7)} GFLOP/s  loss ${x.loss.toFixed(5)}`;
  if (r.reference && r.peak) {
    return [
      `bench core on ${r.backend}: ${c.depth} pre-LN blocks (width ${c.width}, ${c.heads} heads, MLP ${c.mlpWidth}), batch ${c.batch} x seq ${c.seq}, AdamW`,
      `  ${(r.flopsPerStep / 1e9).toFixed(2)} GFLOP (matmul) per step; median of ${r.steps} after ${r.warmup} warm-up`,
      row(`dsl ${r.backend}`, r.dsl),
      row(`dsl ${r.reference.backend}`, r.reference.dsl),
      `  ${r.backend} is ${r.reference.speedup.toFixed(2)}x the ${r.reference.backend} step (target >= 4)`,
      `  peak: ONNX Runtime MatMul ${r.peak.size}^3 ${fmt(r.peak.medianMs)}, ${r.peak.gflops.toFixed(1)} GFLOP/s; the step reaches ${(100 * r.peak.stepFraction).toFixed(0)}% of it (target >= 40%)`,
    ].join('\n');
  }
  return [
    `bench core on ${r.backend}: ${c.depth} pre-LN blocks (width ${c.width}, ${c.heads} heads, MLP ${c.mlpWidth}), batch ${c.batch} x seq ${c.seq}, AdamW`,
    `  ${(r.flopsPerStep / 1e9).toFixed(2)} GFLOP (matmul) per step; median of ${r.steps} after ${r.warmup} warm-up`,
    row('dsl', r.dsl),
    ...variants.filter((v) => r.tfjs[v]).map((v) => row(`tfjs-${v}`, r.tfjs[v] as CoreBenchResult['dsl'])),
    ...(r.jax ? [row('jax-js', r.jax)] : []),
    `  ratio dsl/tfjs ${r.ratio.toFixed(3)} against the fastest baseline (target <= 1.05)${
      Object.keys(r.ratios).length > 1 ? `; ${variants.filter((v) => r.ratios[v] !== undefined).map((v) => `${v} ${(r.ratios[v] as number).toFixed(3)}`).join(', ')}` : ''}`,
    ...(r.jax ? [`  ratio dsl/jax-js ${r.jax.ratio.toFixed(3)} (jax-js on its ${r.jax.device} backend; below 1 the DSL is faster)`] : []),
    ...(r.jaxSkipped ? [`  jax-js: skipped: ${r.jaxSkipped}`] : []),
  ].join('\n');
};

const runCore = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(argv, FLAGS);
  if (E.isLeft(parsed)) {
    io.err(`detailflow bench core: ${parsed.left.join('; ')}\n\n${USAGE}`);
    return USAGE_ERROR;
  }
  const f = parsed.right;
  const problems: string[] = [];
  const backend = f.backend ?? 'wasm';
  if (!(backendNames as readonly string[]).includes(backend)) problems.push(`unknown backend '${backend}'; choose one of ${backendNames.join(', ')}`);
  const config: CoreBenchConfig = {
    depth: positiveInt('depth', f.depth, defaultCoreBench.depth, problems),
    width: positiveInt('width', f.width, defaultCoreBench.width, problems),
    heads: positiveInt('heads', f.heads, defaultCoreBench.heads, problems),
    mlpWidth: positiveInt('mlp', f.mlp, defaultCoreBench.mlpWidth, problems),
    batch: positiveInt('batch', f.batch, defaultCoreBench.batch, problems),
    seq: positiveInt('seq', f.seq, defaultCoreBench.seq, problems),
  };
  const steps = positiveInt('steps', f.steps, 5, problems);
  const warmup = positiveInt('warmup', f.warmup, 2, problems);
  const baseline = f.baseline ?? 'both';
  const baselines = baseline === 'both' ? variants : variants.filter((v) => v === baseline);
  if (baselines.length === 0) problems.push(`--baseline must be tape, tuned or both, got '${baseline}'`);
  if (config.width % config.heads !== 0) problems.push(`--width ${config.width} must be divisible by --heads ${config.heads}`);
  if (problems.length) {
    io.err(`detailflow bench core: ${problems.join('; ')}`);
    return USAGE_ERROR;
  }
  if (backend === 'webgpu') {
    const gpu = await installNodeWebGPU();
    if (!gpu.ok) {
      io.err(`detailflow bench core: ${gpu.error}`);
      return 1;
    }
  }
  if (isOnnxBackend(backend as BackendName)) {
    const ort = await installOnnxRuntime();
    if (!ort.ok) {
      io.err(`detailflow bench core: ${ort.error}`);
      return 1;
    }
  }
  await useBackend(backend as BackendName);
  const result = await runCoreBench(config, backend as BackendName, steps, warmup, baselines, { jax: f.jax ?? true });
  io.out(f.json ? JSON.stringify(result) : formatCoreBench(result));
  return 0;
};

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmarks: `bench core` (a training step, DSL vs tfjs and jax-js), `bench sample` (AR samplers), `bench train` (data-parallel training)',
  usage: USAGE,
  run: async (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      const what = sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`;
      io.err(`detailflow bench: ${what}; choose one of ${SUBCOMMANDS.join(', ')}\n\n${USAGE}`);
      return USAGE_ERROR;
    }
    if (sub === 'train') return benchTrainCommand.run(rest, io);
    return sub === 'sample' ? benchSampleCommand.run(rest, io) : runCore(rest, io);
  },
};

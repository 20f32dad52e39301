import { isOnnxBackend, type BackendName } from '../compile/backend.ts';
import { compile } from '../compile/compile.ts';
import { devicePut } from '../compile/device-put.ts';
import { hostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import { matmul } from '../ops/index.ts';
import { keyFromSeed, normalHost } from '../random/key.ts';
import { coreFlops, type CoreBenchConfig } from './core-config.ts';
import { benchStack, dslContender, type Contender } from './dsl-step.ts';
import { initJax, jaxContender, jaxDeviceFor, type JaxDevice } from './jax-step.ts';
import { tfjsContender, type TfjsVariant } from './tfjs-step.ts';
import { timeBlocks, type Timings } from './timing.ts';

export interface ContenderResult extends Timings {
  readonly gflops: number;
  /** Loss of the last timed step: equal across contenders when they compute the same thing. */
  readonly loss: number;
}

export interface CoreBenchResult {
  readonly backend: BackendName;
  readonly config: CoreBenchConfig;
  readonly warmup: number;
  readonly steps: number;
  readonly flopsPerStep: number;
  readonly dsl: ContenderResult;
  /** One entry per tfjs baseline that ran ('tape': stock gradients; 'tuned': explicit-transpose matmul gradients). */
  readonly tfjs: Partial<Record<TfjsVariant, ContenderResult>>;
  /** DSL median / the fastest tfjs baseline's median: below 1 the DSL is faster. */
  readonly ratio: number;
  /** DSL median / each baseline's median. */
  readonly ratios: Partial<Record<TfjsVariant, number>>;
  /** The same step in jax-js (jit of valueAndGrad) on its device of the same name; ratio = DSL median / its median. */
  readonly jax?: ContenderResult & { readonly device: JaxDevice; readonly ratio: number };
  /** Why the jax-js row is missing although it was asked for (jax-js not installed, no such device). */
  readonly jaxSkipped?: string;
  /** On an ONNX backend: the same DSL step on wasm in the same run (the tfjs baselines do not run there). */
  readonly reference?: { readonly backend: BackendName; readonly dsl: ContenderResult; readonly speedup: number };
  /** On an ONNX backend: ONNX Runtime's own 1024^3 MatMul with all threads, the machine's peak in this run. */
  readonly peak?: { readonly size: number; readonly medianMs: number; readonly gflops: number; readonly stepFraction: number };
}

/** Times one n x n x n MatMul compiled on `backend` (one ONNX MatMul node on an ONNX backend). */
export const matmulPeak = async (backend: BackendName, n = 1024, samples = 5): Promise<{ medianMs: number; gflops: number }> => {
  const f = compile((a: Node, b: Node) => matmul(a, b), { backend, hostOutputs: [] });
  const [a, b] = await devicePut([hostArray(normalHost(keyFromSeed(5), n * n), [n, n]), hostArray(normalHost(keyFromSeed(6), n * n), [n, n])] as const, { backend });
  const step = async () => { await (await f.run(a, b)).host(); };
  const [t] = await timeBlocks([step], 2, samples);
  f.dispose();
  return { medianMs: t.medianMs, gflops: (2 * n * n * n) / (t.medianMs * 1e6) };
};

/**
 * `bench core`: one AdamW training step of a pre-LN transformer stack, compiled through the DSL
 * versus written directly against tfjs (and, with opts.jax, in jax-js), on the same backend, from
 * the same parameters and data. The backend must already be initialised (useBackend).
 */
export const runCoreBench = async (
  config: CoreBenchConfig, backend: BackendName, steps: number, warmup: number,
  baselines: readonly TfjsVariant[] = ['tape', 'tuned'], opts: { readonly jax?: boolean } = {},
): Promise<CoreBenchResult> => {
  const { batch, seq, width } = config;
  const params0 = benchStack(config).init(keyFromSeed(0));
  const data = {
    x: hostArray(normalHost(keyFromSeed(1), batch * seq * width), [batch, seq, width]),
    y: hostArray(normalHost(keyFromSeed(2), batch * seq * width), [batch, seq, width]),
  };
  const contenders: Contender[] = [await dslContender(config, backend, data, params0)];
  if (isOnnxBackend(backend)) {
    // the tfjs baselines cannot run on ONNX Runtime: the DSL step on wasm is the reference instead
    contenders.push(await dslContender(config, 'wasm', data, params0));
    const timings = await timeBlocks(contenders.map((c) => c.step), warmup, steps);
    const flops = coreFlops(config).step;
    const result = (i: number): ContenderResult => ({ ...timings[i], gflops: flops / (timings[i].medianMs * 1e6), loss: contenders[i].lastLoss() });
    const [dsl, wasm] = [result(0), result(1)];
    const peak = await matmulPeak(backend);
    return {
      backend, config, warmup, steps, flopsPerStep: flops, dsl, tfjs: {}, ratio: dsl.medianMs / wasm.medianMs, ratios: {},
      reference: { backend: 'wasm', dsl: wasm, speedup: wasm.medianMs / dsl.medianMs },
      peak: { size: 1024, ...peak, stepFraction: dsl.gflops / peak.gflops },
    };
  }
  try {
    for (const v of baselines) contenders.push(await tfjsContender(config, backend, data, params0, v));
    // jax-js on the same backend, where it has one (not ONNX Runtime: that branch returned above)
    const device = jaxDeviceFor(backend);
    let jaxSkipped: string | undefined;
    if (opts.jax && device) {
      const jax = await initJax(device);
      if (typeof jax === 'string') jaxSkipped = jax;
      else contenders.push(await jaxContender(jax, config, device, data, params0));
    }
    const timings = await timeBlocks(contenders.map((c) => c.step), warmup, steps);
    const flops = coreFlops(config).step;
    const result = (i: number): ContenderResult => ({ ...timings[i], gflops: flops / (timings[i].medianMs * 1e6), loss: contenders[i].lastLoss() });
    const dsl = result(0);
    const tfjs = Object.fromEntries(baselines.map((v, i) => [v, result(i + 1)])) as Partial<Record<TfjsVariant, ContenderResult>>;
    const ratios = Object.fromEntries(baselines.map((v) => [v, dsl.medianMs / (tfjs[v] as ContenderResult).medianMs]));
    const best = Math.min(...baselines.map((v) => (tfjs[v] as ContenderResult).medianMs));
    const base = { backend, config, warmup, steps, flopsPerStep: flops, dsl, tfjs, ratio: dsl.medianMs / best, ratios };
    if (contenders.length > baselines.length + 1) {
      const jax = result(baselines.length + 1);
      return { ...base, jax: { ...jax, device: device as JaxDevice, ratio: dsl.medianMs / jax.medianMs } };
    }
    return jaxSkipped === undefined ? base : { ...base, jaxSkipped };
  } finally {
    for (const c of contenders) c.dispose?.();
  }
};

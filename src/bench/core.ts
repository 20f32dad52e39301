import type { BackendName } from '../compile/backend.ts';
import { hostArray } from '../ir/host-array.ts';
import { keyFromSeed, normalHost } from '../random/key.ts';
import { coreFlops, type CoreBenchConfig } from './core-config.ts';
import { benchStack, dslContender, type Contender } from './dsl-step.ts';
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
}

/**
 * `bench core`: one AdamW training step of a pre-LN transformer stack, compiled through the DSL
 * versus written directly against tfjs, on the same backend, from the same parameters and data.
 * The backend must already be initialised (useBackend).
 */
export const runCoreBench = async (
  config: CoreBenchConfig, backend: BackendName, steps: number, warmup: number,
  baselines: readonly TfjsVariant[] = ['tape', 'tuned'],
): Promise<CoreBenchResult> => {
  const { batch, seq, width } = config;
  const params0 = benchStack(config).init(keyFromSeed(0));
  const data = {
    x: hostArray(normalHost(keyFromSeed(1), batch * seq * width), [batch, seq, width]),
    y: hostArray(normalHost(keyFromSeed(2), batch * seq * width), [batch, seq, width]),
  };
  const contenders: Contender[] = [await dslContender(config, backend, data, params0)];
  try {
    for (const v of baselines) contenders.push(await tfjsContender(config, backend, data, params0, v));
    const timings = await timeBlocks(contenders.map((c) => c.step), warmup, steps);
    const flops = coreFlops(config).step;
    const result = (i: number): ContenderResult => ({ ...timings[i], gflops: flops / (timings[i].medianMs * 1e6), loss: contenders[i].lastLoss() });
    const dsl = result(0);
    const tfjs = Object.fromEntries(baselines.map((v, i) => [v, result(i + 1)])) as Partial<Record<TfjsVariant, ContenderResult>>;
    const ratios = Object.fromEntries(baselines.map((v) => [v, dsl.medianMs / (tfjs[v] as ContenderResult).medianMs]));
    const best = Math.min(...baselines.map((v) => (tfjs[v] as ContenderResult).medianMs));
    return { backend, config, warmup, steps, flopsPerStep: flops, dsl, tfjs, ratio: dsl.medianMs / best, ratios };
  } finally {
    for (const c of contenders) c.dispose?.();
  }
};

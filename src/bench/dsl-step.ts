import type { BackendName } from '../compile/backend.ts';
import { devicePut } from '../compile/device-put.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import type { Params } from '../nn/module.ts';
import { transformerStack, type TransformerStackParams } from '../nn/transformer-stack.ts';
import { mean, square, sub } from '../ops/index.ts';
import { adamw } from '../train/adam.ts';
import { trainStep } from '../train/train-step.ts';
import { benchAdamW, type CoreBenchConfig } from './core-config.ts';
import type { TimedStep } from './timing.ts';

export interface BenchData {
  readonly x: HostArray;
  readonly y: HostArray;
}

export interface Contender {
  readonly step: TimedStep;
  /** The loss of the last step (to check that both implementations compute the same thing). */
  readonly lastLoss: () => number;
  /** Frees what the contender holds (the raw tfjs baselines; the DSL's executor owns its memory). */
  readonly dispose?: () => void;
}

export const benchStack = (c: CoreBenchConfig) => transformerStack({
  width: c.width, heads: c.heads, mlpWidth: c.mlpWidth, depth: c.depth, norm: 'layer', activation: 'gelu', eps: benchAdamW.layerNormEps,
});

/** The DSL side: the stack, an MSE loss and AdamW, compiled into one plan by trainStep. */
export const dslContender = async (c: CoreBenchConfig, backend: BackendName, data: BenchData, params0: TransformerStackParams): Promise<Contender> => {
  const stack = benchStack(c);
  const loss = (p: Params<TransformerStackParams>, x: Node, y: Node): Node => mean(square(sub(stack.apply(p, x), y)));
  const opt = adamw({ lr: benchAdamW.lr, b1: benchAdamW.b1, b2: benchAdamW.b2, eps: benchAdamW.eps, weightDecay: benchAdamW.weightDecay });
  const compiled = trainStep(loss, opt, { backend });
  // on the device before the clock starts, so timed steps do not upload them
  let params: unknown = await devicePut(params0, { backend });
  let state: unknown = await devicePut(opt.initHost(params0) as object, { backend });
  const batch = await devicePut([data.x, data.y] as const, { backend });
  let last = NaN;
  return {
    step: async () => {
      const out = await compiled.run(params, state, ...batch);
      params = out.params;
      state = out.state;
      last = out.loss.data[0];
    },
    lastLoss: () => last,
  };
};

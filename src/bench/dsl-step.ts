import type { BackendName } from '../compile/backend.ts';
import { release } from '../compile/compile.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import type { Params } from '../nn/module.ts';
import { transformerStack, type TransformerStackParams } from '../nn/transformer-stack.ts';
import { mean, square, sub } from '../ops/index.ts';
import { adamw } from '../train/adam.ts';
import { advance, trainStep } from '../train/train-step.ts';
import { benchAdamW, type CoreBenchConfig } from './core-config.ts';
import type { TimedStep } from './timing.ts';
import { upload } from './upload.ts';

export interface BenchData {
  readonly x: HostArray;
  readonly y: HostArray;
}

export interface Contender {
  readonly step: TimedStep;
  /** The loss of the last step (to check that both implementations compute the same thing). */
  readonly lastLoss: () => number;
  readonly dispose: () => void;
}

export const benchStack = (c: CoreBenchConfig) => transformerStack({
  width: c.width, heads: c.heads, mlpWidth: c.mlpWidth, depth: c.depth, norm: 'layer', activation: 'gelu', eps: benchAdamW.layerNormEps,
});

/** The DSL side: the stack, an MSE loss and AdamW, compiled into one plan by trainStep. */
export const dslContender = (c: CoreBenchConfig, backend: BackendName, data: BenchData, params0: TransformerStackParams): Contender => {
  const stack = benchStack(c);
  const loss = (p: Params<TransformerStackParams>, x: Node, y: Node): Node => mean(square(sub(stack.apply(p, x), y)));
  const opt = adamw({ lr: benchAdamW.lr, b1: benchAdamW.b1, b2: benchAdamW.b2, eps: benchAdamW.eps, weightDecay: benchAdamW.weightDecay });
  const compiled = trainStep(loss, opt, { backend });
  let params: unknown = upload(params0 as never, backend);
  let state: unknown = upload(opt.initHost(params0 as never), backend);
  const batch = upload([data.x, data.y], backend) as unknown as unknown[];
  let last = NaN;
  return {
    step: async () => {
      const out = await advance(compiled, params, state, ...batch);
      params = out.params;
      state = out.state;
      last = (await (out.loss as { host(): Promise<HostArray> }).host()).data[0];
      release([out.loss, out.gradNorm, out.lr]);
    },
    lastLoss: () => last,
    dispose: () => { release([params, state, batch]); compiled.dispose(); },
  };
};

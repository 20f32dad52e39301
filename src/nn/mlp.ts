import { foldIn } from '../random/key.ts';
import { activationFn, type Activation } from './activation.ts';
import type { Initializer } from './init.ts';
import { dense, linear, type LinearParams } from './linear.ts';
import type { Layer } from './module.ts';

export interface MlpConfig {
  readonly dim: number;
  readonly hidden: number;
  /** Output width; default dim. */
  readonly out?: number;
  /** Default gelu (tanh form). */
  readonly activation?: Activation;
  /** Default true. */
  readonly bias?: boolean;
  readonly init?: Initializer;
}

export interface MlpParams {
  readonly fc1: LinearParams;
  readonly fc2: LinearParams;
}

/** fc2(act(fc1(x))): the transformer feed-forward. */
export const mlp = (cfg: MlpConfig): Layer<MlpParams> => {
  const act = activationFn(cfg.activation ?? 'gelu');
  const fc1 = linear({ in: cfg.dim, out: cfg.hidden, bias: cfg.bias, init: cfg.init });
  const fc2 = linear({ in: cfg.hidden, out: cfg.out ?? cfg.dim, bias: cfg.bias, init: cfg.init });
  return {
    init: (key) => ({ fc1: fc1.init(foldIn(key, 0)), fc2: fc2.init(foldIn(key, 1)) }),
    apply: (p, x) => dense(act(dense(x, p.fc1.w, p.fc1.b)), p.fc2.w, p.fc2.b),
  };
};

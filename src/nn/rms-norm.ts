import type { HostArray } from '../ir/host-array.ts';
import { add, mean, mul, rsqrt, square } from '../ops/index.ts';
import { ones } from './init.ts';
import type { Layer } from './module.ts';

export interface RmsNormConfig {
  readonly dim: number;
  /** Default 1e-6 (LLaMA uses 1e-5 or 1e-6; LlamaGen 1e-5). */
  readonly eps?: number;
}

export interface RmsNormParams {
  readonly scale: HostArray;
}

/** x / sqrt(mean(x^2) + eps) * scale over the last axis: no centring, no bias. */
export const rmsNorm = (cfg: RmsNormConfig): Layer<RmsNormParams> => {
  const eps = cfg.eps ?? 1e-6;
  return {
    init: (key) => ({ scale: ones(key, [cfg.dim]) }),
    apply: (p, x) => mul(mul(x, rsqrt(add(mean(square(x), -1, true), eps))), p.scale),
  };
};

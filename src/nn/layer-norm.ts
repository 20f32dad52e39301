import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import { add, mean, mul, rsqrt, square, sub } from '../ops/index.ts';
import { split } from '../random/key.ts';
import { ones, zeros } from './init.ts';
import type { Layer } from './module.ts';

export interface LayerNormConfig {
  readonly dim: number;
  /** Default 1e-5. */
  readonly eps?: number;
  /** Learnable scale and bias (default true); false gives the plain normalisation (no parameters). */
  readonly affine?: boolean;
  /** With affine: whether there is a bias (default true). */
  readonly bias?: boolean;
}

export interface LayerNormParams {
  readonly scale?: HostArray;
  readonly bias?: HostArray;
}

/** (x - mean) / sqrt(var + eps) over the last axis; the biased variance, as in every framework. */
export const normalizeLastAxis = (x: Node, eps: number): Node => {
  const centred = sub(x, mean(x, -1, true));
  return mul(centred, rsqrt(add(mean(square(centred), -1, true), eps)));
};

export const layerNorm = (cfg: LayerNormConfig): Layer<LayerNormParams> => {
  const eps = cfg.eps ?? 1e-5;
  const affine = cfg.affine ?? true;
  const withBias = affine && (cfg.bias ?? true);
  return {
    init: (key) => {
      if (!affine) return {};
      const [ks, kb] = split(key, 2);
      const scale = ones(ks, [cfg.dim]);
      return withBias ? { scale, bias: zeros(kb, [cfg.dim]) } : { scale };
    },
    apply: (p, x) => {
      const y = normalizeLastAxis(x, eps);
      const scaled = p.scale ? mul(y, p.scale) : y;
      return p.bias ? add(scaled, p.bias) : scaled;
    },
  };
};

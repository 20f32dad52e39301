/**
 * Batch normalisation in training mode: each channel (the last axis) is normalised by its mean
 * and biased variance over every other axis of the batch, then scaled and shifted. There are no
 * running statistics: this is for networks used only while training (a GAN's discriminator, as
 * in the DetailFlow reference's heads), never for inference.
 */
import type { HostArray } from '../ir/host-array.ts';
import { add, mean, mul, rsqrt, square, sub } from '../ops/index.ts';
import { split } from '../random/key.ts';
import { ones, zeros } from './init.ts';
import type { Layer } from './module.ts';

export interface BatchNormParams {
  readonly scale: HostArray;
  readonly bias: HostArray;
}

export const batchNorm = (cfg: { readonly dim: number; readonly eps?: number }): Layer<BatchNormParams> => {
  const eps = cfg.eps ?? 1e-5;
  return {
    init: (key) => {
      const [ks, kb] = split(key, 2);
      return { scale: ones(ks, [cfg.dim]), bias: zeros(kb, [cfg.dim]) };
    },
    apply: (p, x) => {
      const axes = Array.from({ length: x.shape.length - 1 }, (_, i) => i);
      const centred = sub(x, mean(x, axes, true));
      return add(mul(mul(centred, rsqrt(add(mean(square(centred), axes, true), eps))), p.scale), p.bias);
    },
  };
};

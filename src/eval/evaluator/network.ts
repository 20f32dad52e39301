/**
 * The metric network (the project's stand-in for Inception in FID): a small CNN classifier
 * trained on the dataset's training split, independently of the tokenizer's teacher.
 *   conv3x3(C -> w) relu, maxPool2          [B, s/2, s/2, w]
 *   conv3x3(w -> 2w) relu, maxPool2         [B, s/4, s/4, 2w]
 *   conv3x3(2w -> 4w) relu, maxPool2        [B, s/8, s/8, 4w]
 *   flatten, linear(-> features) relu       features [B, F]: what the metrics compare
 *   linear(features -> classes)             logits (class accuracy of conditional samples)
 * Channel-last throughout (one transpose at the input), so each conv is one im2col matmul.
 */
import { GraphError } from '../../ir/errors.ts';
import type { Node } from '../../ir/node.ts';
import { conv2d, type Conv2dParams } from '../../nn/conv2d.ts';
import { linear, type LinearParams } from '../../nn/linear.ts';
import type { Params } from '../../nn/module.ts';
import { max, relu, reshape, transpose } from '../../ops/index.ts';
import { foldIn, type Key } from '../../random/key.ts';
import type { EvaluatorConfig } from './config.ts';

export interface EvaluatorParams {
  readonly conv1: Conv2dParams;
  readonly conv2: Conv2dParams;
  readonly conv3: Conv2dParams;
  readonly embed: LinearParams;
  readonly head: LinearParams;
}

export interface EvaluatorOutputs {
  /** [B, F], after the ReLU. */
  readonly features: Node;
  /** [B, classes] */
  readonly logits: Node;
}

export interface Evaluator {
  readonly config: EvaluatorConfig;
  readonly featureDim: number;
  init(key: Key): EvaluatorParams;
  /** images: NCHW float32 [B, channels, size, size] in [-1, 1]. */
  apply(params: Params<EvaluatorParams>, images: Node): EvaluatorOutputs;
}

/** 2x2 max pooling with stride 2 on [B, H, W, C]; ties share the gradient (max's VJP). */
const maxPool2 = (x: Node): Node => {
  const [b, h, w, c] = x.shape;
  return max(reshape(x, [b, h / 2, 2, w / 2, 2, c]), [2, 4]);
};

const checkImages = (cfg: EvaluatorConfig, x: Node): void => {
  const want = [cfg.channels, cfg.size, cfg.size];
  if (x.dtype !== 'float32' || x.shape.length !== 4 || x.shape.slice(1).some((d, i) => d !== want[i])) {
    throw new GraphError('shape', 'evaluator', `images must be float32 [B, ${want.join(', ')}] (NCHW)`, [{ shape: x.shape, dtype: x.dtype }]);
  }
};

export const evaluatorNetwork = (cfg: EvaluatorConfig): Evaluator => {
  const w = cfg.width;
  const conv = (cin: number, cout: number) => conv2d({ in: cin, out: cout, kernel: 3, layout: 'NHWC' });
  const flat = (cfg.size / 8) ** 2 * 4 * w;
  const layers = {
    conv1: conv(cfg.channels, w), conv2: conv(w, 2 * w), conv3: conv(2 * w, 4 * w),
    embed: linear({ in: flat, out: cfg.features }), head: linear({ in: cfg.features, out: cfg.classes }),
  };
  return {
    config: cfg,
    featureDim: cfg.features,
    init: (key) => ({
      conv1: layers.conv1.init(foldIn(key, 0)), conv2: layers.conv2.init(foldIn(key, 1)), conv3: layers.conv3.init(foldIn(key, 2)),
      embed: layers.embed.init(foldIn(key, 3)), head: layers.head.init(foldIn(key, 4)),
    }),
    apply: (p, images) => {
      checkImages(cfg, images);
      const x0 = transpose(images, [0, 2, 3, 1]);
      const x1 = maxPool2(relu(layers.conv1.apply(p.conv1, x0)));
      const x2 = maxPool2(relu(layers.conv2.apply(p.conv2, x1)));
      const x3 = maxPool2(relu(layers.conv3.apply(p.conv3, x2)));
      const features = relu(layers.embed.apply(p.embed, reshape(x3, [x3.shape[0], flat])));
      return { features, logits: layers.head.apply(p.head, features) };
    },
  };
};

/**
 * The default teacher: a small CNN for 32x32 images, trained by the project on the dataset's
 * training split (classification), standing in for SigLIP2.
 *   conv3x3(C -> w) gelu, conv3x3(w -> w) gelu          map 1 [B, s, s, w]
 *   avgPool2, conv3x3(w -> 2w) gelu                      map 2 [B, s/2, s/2, 2w]
 *   avgPool2, conv3x3(2w -> 4w) gelu                     map 3 [B, s/4, s/4, 4w]
 *   avgPool2, globalAvgPool (= the mean over map 3)     pooled [B, 4w]
 *   linear(4w -> classes)                                logits (training only)
 * Everything runs channel-last (one transpose at the input), so each conv is one im2col matmul.
 */
import { GraphError } from '../../ir/errors.ts';
import type { Node } from '../../ir/node.ts';
import { conv2d, type Conv2dParams } from '../../nn/conv2d.ts';
import { linear, type LinearParams } from '../../nn/linear.ts';
import type { Params } from '../../nn/module.ts';
import { avgPool2, globalAvgPool } from '../../nn/pool.ts';
import { gelu, transpose } from '../../ops/index.ts';
import { foldIn } from '../../random/key.ts';
import { cnnFeatureDim, type CnnTeacherConfig } from './config.ts';
import type { NetworkTeacher, TeacherFeatures } from './teacher.ts';

export interface CnnTeacherParams {
  readonly conv1: Conv2dParams;
  readonly conv2: Conv2dParams;
  readonly conv3: Conv2dParams;
  readonly conv4: Conv2dParams;
  readonly head: LinearParams;
}

export interface CnnForward extends TeacherFeatures {
  /** [B, classes] */
  readonly logits: Node;
}

export interface CnnTeacher extends NetworkTeacher<CnnTeacherParams> {
  readonly config: CnnTeacherConfig;
  /** Features and the classifier's logits in one pass (what the training objective uses). */
  forward(params: Params<CnnTeacherParams>, images: Node): CnnForward;
}

const checkImages = (cfg: CnnTeacherConfig, x: Node): void => {
  const want = [cfg.channels, cfg.size, cfg.size];
  if (x.dtype !== 'float32' || x.shape.length !== 4 || x.shape.slice(1).some((d, i) => d !== want[i])) {
    throw new GraphError('shape', 'cnnTeacher', `images must be float32 [B, ${want.join(', ')}] (NCHW)`, [{ shape: x.shape, dtype: x.dtype }]);
  }
};

export const cnnTeacher = (cfg: CnnTeacherConfig): CnnTeacher => {
  const w = cfg.width;
  const conv = (cin: number, cout: number) => conv2d({ in: cin, out: cout, kernel: 3, layout: 'NHWC' });
  const layers = {
    conv1: conv(cfg.channels, w), conv2: conv(w, w), conv3: conv(w, 2 * w), conv4: conv(2 * w, 4 * w),
    head: linear({ in: 4 * w, out: cfg.classes }),
  };
  const forward = (p: Params<CnnTeacherParams>, images: Node): CnnForward => {
    checkImages(cfg, images);
    const x = transpose(images, [0, 2, 3, 1]);
    const m1 = gelu(layers.conv2.apply(p.conv2, gelu(layers.conv1.apply(p.conv1, x))));
    const m2 = gelu(layers.conv3.apply(p.conv3, avgPool2(m1, 'NHWC')));
    const m3 = gelu(layers.conv4.apply(p.conv4, avgPool2(m2, 'NHWC')));
    // avgPool2 then the global mean is the global mean of map 3: one reduction, not two
    const pooled = globalAvgPool(m3, 'NHWC');
    return { pooled, maps: [m1, m2, m3], logits: layers.head.apply(p.head, pooled) };
  };
  return {
    kind: 'network',
    config: cfg,
    featureDim: cnnFeatureDim(cfg),
    channels: cfg.channels,
    size: cfg.size,
    init: (key) => ({
      conv1: layers.conv1.init(foldIn(key, 0)), conv2: layers.conv2.init(foldIn(key, 1)), conv3: layers.conv3.init(foldIn(key, 2)),
      conv4: layers.conv4.init(foldIn(key, 3)), head: layers.head.init(foldIn(key, 4)),
    }),
    forward,
    features: (p, images) => {
      const { pooled, maps } = forward(p, images);
      return { pooled, maps };
    },
  };
};

/**
 * Average pooling from reshape + mean, so the VJP is the primitives' (a broadcast back).
 * Both layouts are accepted; 'NHWC' is what conv2d stacks use internally.
 */
import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import { mean, reshape } from '../ops/index.ts';
import type { ImageLayout } from './conv2d.ts';

const checkRank4 = (op: string, x: Node): void => {
  if (x.shape.length !== 4) throw new GraphError('shape', op, `input must be rank 4 ([B, C, H, W] or [B, H, W, C])`, [{ shape: x.shape, dtype: x.dtype }]);
};

/** 2x2 average pooling with stride 2; H and W must be even. */
export const avgPool2 = (x: Node, layout: ImageLayout = 'NCHW'): Node => {
  checkRank4('avgPool2', x);
  const [b, c, h, w] = layout === 'NCHW' ? x.shape : [x.shape[0], x.shape[3], x.shape[1], x.shape[2]];
  if (h % 2 !== 0 || w % 2 !== 0) throw new GraphError('shape', 'avgPool2', `height and width must be even, got ${h}x${w}`, [{ shape: x.shape, dtype: x.dtype }]);
  return layout === 'NCHW'
    ? mean(reshape(x, [b, c, h / 2, 2, w / 2, 2]), [3, 5])
    : mean(reshape(x, [b, h / 2, 2, w / 2, 2, c]), [2, 4]);
};

/** The mean over all positions: [B, C, H, W] (or [B, H, W, C]) -> [B, C]. */
export const globalAvgPool = (x: Node, layout: ImageLayout = 'NCHW'): Node => {
  checkRank4('globalAvgPool', x);
  return layout === 'NCHW' ? mean(x, [2, 3]) : mean(x, [1, 2]);
};

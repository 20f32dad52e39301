import type { Node } from '../ir/node.ts';
import { log, mean, mul, square, sub } from '../ops/index.ts';

/** PSNR per image of [B, C, H, W] images in [-1, 1] (data range 2): 10 log10(4 / MSE). */
export const psnrExpr = (a: Node, b: Node): Node =>
  sub(10 * Math.log10(4), mul(log(mean(square(sub(a, b)), [1, 2, 3])), 10 / Math.LN10));

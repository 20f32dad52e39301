import type { Node } from '../ir/node.ts';
import { constant, matmul } from '../ops/index.ts';
import { resamplingMatrix, torchResize, type Resampling } from './resampling.ts';

/** Resizes square images [..., s, s] to [..., size, size] with fixed separable matrices (default: PyTorch's rule). */
export const resizeExpr = (x: Node, size: number, r: Resampling = torchResize): Node => {
  const s = x.shape[x.shape.length - 1];
  if (s === size) return x;
  return matmul(matmul(constant(resamplingMatrix(r, s, size), [size, s]), x), constant(resamplingMatrix(r, s, size, true), [s, size]));
};

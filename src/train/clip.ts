import type { Node } from '../ir/node.ts';
import { GraphError } from '../ir/errors.ts';
import { div, maximum } from '../ops/index.ts';
import type { Tree } from '../tree/tree.ts';
import { globalNorm, scaleTree } from './tree-math.ts';

/**
 * Scales a gradient tree so its global L2 norm is at most maxNorm: g * maxNorm / max(norm, maxNorm).
 * Under the limit the factor is exactly 1 (x / x), so the gradients pass unchanged. Returns the
 * norm before clipping as well.
 */
export const clipByGlobalNorm = <T extends Tree<Node>>(grads: T, maxNorm: number): { grads: T; norm: Node } => {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new GraphError('attr', 'clipByGlobalNorm', `maxNorm must be a positive finite number, got ${maxNorm}`);
  const norm = globalNorm(grads);
  return { grads: scaleTree(grads, div(maxNorm, maximum(norm, maxNorm))), norm };
};

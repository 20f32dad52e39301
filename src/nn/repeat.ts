import type { Node } from '../ir/node.ts';
import { foldIn } from '../random/key.ts';
import type { Layer } from './module.ts';
import { childCtx } from './sequential.ts';
import { GraphError } from '../ir/errors.ts';

/**
 * n copies of one layer definition applied in order, each with its own parameters
 * (a list of n trees, initialised from foldIn(key, i)).
 */
export const repeat = <H>(layer: Layer<H>, n: number): Layer<readonly H[]> => {
  if (!Number.isInteger(n) || n < 0) throw new GraphError('attr', 'repeat', `count must be a non-negative integer, got ${n}`);
  return {
    init: (key) => Array.from({ length: n }, (_, i) => layer.init(foldIn(key, i))),
    apply: (ps, x, ctx) => {
      if (ps.length !== n) throw new GraphError('tree', 'repeat', `expected ${n} parameter trees, got ${ps.length}`);
      return ps.reduce<Node>((h, p, i) => layer.apply(p, h, childCtx(ctx, i)), x);
    },
  };
};

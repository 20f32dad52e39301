import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import { dropout as dropoutOp } from '../ops/index.ts';
import type { Ctx, Layer, NoParams } from './module.ts';

/**
 * Inverted dropout when `ctx.train` is set, identity otherwise. Training needs `ctx.key`: the
 * randomness is explicit, so a missing key is an error rather than a silent fixed mask.
 */
export const applyDropout = (x: Node, rate: number, ctx?: Ctx): Node => {
  if (!(rate > 0) || !ctx?.train) return x;
  if (rate >= 1) throw new GraphError('attr', 'dropout', `rate must be in [0, 1), got ${rate}`);
  if (!ctx.key) throw new GraphError('input', 'dropout', 'training mode (ctx.train) needs a key in ctx.key');
  return dropoutOp(ctx.key, x, rate);
};

export const dropout = (rate: number): Layer<NoParams> => ({
  init: () => ({}),
  apply: (_p, x, ctx) => applyDropout(x, rate, ctx),
});

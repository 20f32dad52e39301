import { add } from '../ops/index.ts';
import { applyDropout } from './dropout.ts';
import type { Layer } from './module.ts';
import { childCtx } from './sequential.ts';

export interface ResidualOptions {
  /** Dropout on the branch before the sum (active only in training). */
  readonly dropout?: number;
}

/** x + f(x). The parameters are f's own (no extra level in the tree). */
export const residual = <H>(f: Layer<H>, opts: ResidualOptions = {}): Layer<H> => ({
  init: (key) => f.init(key),
  apply: (p, x, ctx) => add(x, applyDropout(f.apply(p, x, childCtx(ctx, 0)), opts.dropout ?? 0, childCtx(ctx, 1))),
});

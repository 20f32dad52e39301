import type { Node } from '../ir/node.ts';
import type { Ctx, Layer, NoParams } from './module.ts';

/** A parameter-free layer from a function (activations, reshapes, pooling). */
export const fn = (f: (x: Node, ctx?: Ctx) => Node): Layer<NoParams> => ({
  init: () => ({}),
  apply: (_p, x, ctx) => f(x, ctx),
});

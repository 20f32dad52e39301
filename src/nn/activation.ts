import type { Node } from '../ir/node.ts';
import { gelu, relu, silu, tanh } from '../ops/index.ts';

export type ActivationName = 'gelu' | 'silu' | 'relu' | 'tanh';

/** An activation by name, or the function itself. */
export type Activation = ActivationName | ((x: Node) => Node);

export const activationFn = (a: Activation): ((x: Node) => Node) => {
  if (typeof a === 'function') return a;
  switch (a) {
    case 'gelu': return gelu;
    case 'silu': return silu;
    case 'relu': return relu;
    case 'tanh': return tanh;
  }
};

import { isNode, type Node } from '../ir/node.ts';
import { add, mul } from '../ops/index.ts';
import { zipTrees, type Tree } from '../tree/tree.ts';
import type { Carry } from './trainer.ts';

/**
 * Exponential moving average of parameters, ema * decay + params * (1 - decay), as graph
 * values (one more output of the compiled training step). The reference samples from the EMA
 * weights (decay 0.9999).
 */
export const emaUpdate = <T extends Tree<Node>>(ema: T, params: T, decay: number): T =>
  zipTrees(isNode, ([e, p]: Node[]) => add(mul(e, decay), mul(p, 1 - decay)), [ema, params]) as T;

/**
 * An EMA of the parameters carried under `ema`. It starts at the initial parameters (the same
 * host arrays; the first step writes new ones), so a run started from trained weights averages
 * from them, not from a random draw.
 */
export const emaCarry = (decay: number): Carry => ({
  init: (params) => ({ ema: params }),
  update: (carried, params) => ({ ...carried, ema: emaUpdate(carried.ema as Tree<Node>, params, decay) }),
});

/** Several carries side by side: each sees and returns the whole carried record, keeping what it does not own. */
export const carries = (...cs: ReadonlyArray<Carry | undefined>): Carry | undefined => {
  const present = cs.filter((c): c is Carry => c !== undefined);
  if (present.length <= 1) return present[0];
  return {
    init: (params) => Object.assign({}, ...present.map((c) => c.init(params))),
    update: (carried, params, terms) => present.reduce((acc, c) => c.update(acc, params, terms), carried),
  };
};

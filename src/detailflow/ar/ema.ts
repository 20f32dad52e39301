import { isNode, type Node } from '../../ir/node.ts';
import { add, mul } from '../../ops/index.ts';
import { zipTrees, type Tree } from '../../tree/tree.ts';

/**
 * Exponential moving average of parameters, ema * decay + params * (1 - decay), as graph
 * values (one more output of the compiled training step). The reference samples from the EMA
 * weights (decay 0.9999).
 */
export const emaUpdate = <T extends Tree<Node>>(ema: T, params: T, decay: number): T =>
  zipTrees(isNode, ([e, p]: Node[]) => add(mul(e, decay), mul(p, 1 - decay)), [ema, params]) as T;

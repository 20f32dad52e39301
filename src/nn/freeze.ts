import { isNode, type Node } from '../ir/node.ts';
import { stopGradient } from '../ops/index.ts';
import { mapTree, type Tree } from '../tree/tree.ts';

/**
 * Stops gradients at every leaf of a traced parameter tree: a frozen network (a teacher, a
 * discriminator read by the generator's loss, an encoder during decoder fine-tuning) still passes
 * gradients to its inputs but gets none itself. One identity op per leaf.
 */
export const freeze = <P>(params: P): P =>
  mapTree(isNode, (n: Node) => stopGradient(n), params as Tree<Node>) as P;

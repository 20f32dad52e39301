import { bind } from '../primitives/bind.ts';
import type { Node } from '../ir/node.ts';

/** Batched matrix product over the last two axes; leading axes broadcast. */
export const matmul = (a: Node, b: Node): Node => bind('matmul', [a, b], {});

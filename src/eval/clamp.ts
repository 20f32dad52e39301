import type { Node } from '../ir/node.ts';
import { maximum, minimum } from '../ops/index.ts';

/** Images clamped to the valid range [-1, 1], as saved images would be, before they are scored. */
export const clampImages = (x: Node): Node => minimum(maximum(x, -1), 1);

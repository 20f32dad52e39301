import { isNode, type Node } from '../ir/node.ts';
import { add, mul, scalar, sqrt, square, sum } from '../ops/index.ts';
import { flatten, mapTree, type Tree } from '../tree/tree.ts';

/** The leaves of a tree of graph values with their paths. */
export const leavesOf = (tree: Tree<Node>): { leaves: Node[]; paths: string[] } => {
  const { leaves, paths } = flatten(tree, isNode, 'graph value');
  return { leaves, paths };
};

/** sqrt(sum over all leaves of sum(x^2)): the global L2 norm of a tree, a float32 scalar. */
export const globalNorm = (tree: Tree<Node>): Node => {
  const { leaves } = leavesOf(tree);
  const squares = leaves.filter((l) => l.dtype === 'float32').map((l) => sum(square(l)));
  return sqrt(squares.reduce((a, b) => add(a, b), scalar(0)));
};

/** Every float leaf times a scalar. */
export const scaleTree = <T extends Tree<Node>>(tree: T, s: Node | number): T =>
  mapTree(isNode, (x: Node) => (x.dtype === 'float32' ? mul(x, s) : x), tree) as T;

import { GraphError } from '../ir/errors.ts';
import { isNode, type Node } from '../ir/node.ts';
import { ones } from '../ops/constants.ts';
import { flatten, unflatten, type Tree } from '../tree/tree.ts';
import { vjpGraph } from './vjp.ts';

const checkScalarLoss = (out: Node, where: string): void => {
  if (!isNode(out)) throw new GraphError('input', where, 'the function must return a graph value (or [value, aux] with hasAux)');
  if (out.shape.length !== 0 || out.dtype !== 'float32') {
    throw new GraphError('shape', where, `the function must return a float32 scalar, got ${out.dtype}[${out.shape.join(', ')}]; reduce it first (mean or sum)`);
  }
};

const gradTree = <T extends Tree<Node>>(out: Node, params: T): T => {
  const { leaves, def } = flatten(params, isNode, 'graph value');
  return unflatten(def, vjpGraph(out, ones([]), leaves)) as T;
};

/** valueAndGrad(f)(params, ...rest) = [f(params, ...rest), d f / d params], as graph nodes. */
export const valueAndGrad = <T extends Tree<Node>, A extends unknown[]>(f: (params: T, ...rest: A) => Node) =>
  (params: T, ...rest: A): [Node, T] => {
    const out = f(params, ...rest);
    checkScalarLoss(out, 'valueAndGrad');
    return [out, gradTree(out, params)];
  };

/** Like valueAndGrad, for functions returning [loss, aux]; aux is passed through. */
export const valueAndGradWithAux = <T extends Tree<Node>, A extends unknown[], X>(f: (params: T, ...rest: A) => [Node, X]) =>
  (params: T, ...rest: A): [Node, X, T] => {
    const [out, aux] = f(params, ...rest);
    checkScalarLoss(out, 'valueAndGradWithAux');
    return [out, aux, gradTree(out, params)];
  };

export const grad = <T extends Tree<Node>, A extends unknown[]>(f: (params: T, ...rest: A) => Node) =>
  (params: T, ...rest: A): T => valueAndGrad(f)(params, ...rest)[1];

/** Vector-Jacobian product of a non-scalar function: returns (y, ct -> d<ct, y>/d params). */
export const vjp = <T extends Tree<Node>>(f: (params: T) => Node, params: T): [Node, (ct: Node) => T] => {
  const y = f(params);
  const { leaves, def } = flatten(params, isNode, 'graph value');
  return [y, (ct: Node) => unflatten(def, vjpGraph(y, ct, leaves)) as T];
};

import { isHostArray, type HostArray } from '../ir/host-array.ts';
import { sizeOf, type Shape } from '../ir/shape.ts';
import { flatten, type Tree } from '../tree/tree.ts';
import type { HostParams } from './module.ts';

/** Every parameter's path (as the optimisers' decay masks see it) and shape, in tree order. */
export const paramShapes = (params: HostParams | object): { path: string; shape: Shape }[] => {
  const { leaves, paths } = flatten(params as Tree<HostArray>, isHostArray, 'host array');
  return leaves.map((l, i) => ({ path: paths[i], shape: l.shape }));
};

/** Total number of scalars in a host parameter tree. */
export const countParams = (params: HostParams | object): number =>
  paramShapes(params).reduce((n, p) => n + sizeOf(p.shape), 0);

import fc from 'fast-check';
import { hostArray, isHostArray, type HostArray } from '../../src/ir/host-array.ts';
import { sizeOf, type Shape } from '../../src/ir/shape.ts';
import { flatten, type Tree } from '../../src/tree/tree.ts';
import { floatsArb, shapeArb } from '../helpers/arbitraries.ts';

/** Leaf shapes of a small parameter tree (rank 0 to 2, so masks by rank have both kinds). */
export const leafShapesArb = (maxLeaves = 4): fc.Arbitrary<number[][]> =>
  fc.array(shapeArb(0, 2, 3), { minLength: 1, maxLength: maxLeaves });

/** A nested tree over leaves: even leaves at the top as w<i>, odd ones in a `sub` list. */
export const nest = <L>(leaves: readonly L[]): Tree<L> => {
  const top: Record<string, Tree<L>> = {};
  const sub: Tree<L>[] = [];
  leaves.forEach((l, i) => { if (i % 2 === 0) top[`w${i}`] = l as Tree<L>; else sub.push(l as Tree<L>); });
  return sub.length ? { ...top, sub } : top;
};

/** Most scalars a tree from leafShapesArb(4) can hold (4 leaves of at most 3 x 3). */
export const POOL = 36;

/** A pool of floats in [lo, hi] to carve leaves from: data is drawn independently of shapes, then mapped. */
export const poolArb = (lo = -2, hi = 2): fc.Arbitrary<Float32Array> => floatsArb(POOL, lo, hi);

/** Leaves of the given shapes, filled in order from a pool (which must be large enough). */
export const carve = (shapes: readonly Shape[], pool: Float32Array): HostArray[] => {
  let off = 0;
  return shapes.map((s) => {
    const n = sizeOf(s);
    const d = pool.slice(off, off + n);
    off += n;
    return hostArray(d, s);
  });
};

/** Leaves of a host tree in the canonical (flatten) order, with their paths. */
export const hostLeaves = (t: unknown): { leaves: HostArray[]; paths: string[] } => {
  const { leaves, paths } = flatten(t as Tree<HostArray>, isHostArray, 'host array');
  return { leaves, paths };
};

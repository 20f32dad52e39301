import fc from 'fast-check';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Shape } from '../../src/ir/shape.ts';
import { sizeOf } from '../../src/ir/shape.ts';

/** Shapes first, data second (with .map): fast-check shrinks that far better than .chain. */
export const shapeArb = (minRank = 0, maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });

export const floatsArb = (n: number, lo = -2, hi = 2): fc.Arbitrary<Float32Array> =>
  fc.float32Array({ minLength: n, maxLength: n, min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true });

export const floatArrayArb = (shape: Shape, lo = -2, hi = 2): fc.Arbitrary<HostArray> =>
  floatsArb(sizeOf(shape), lo, hi).map((d) => hostArray(d, shape));

/** Values bounded away from zero: |x| in [gap, gap + span], either sign. */
export const awayFromZeroArb = (shape: Shape, gap = 0.3, span = 1.5): fc.Arbitrary<HostArray> =>
  floatsArb(sizeOf(shape), -1, 1).map((d) => hostArray(d.map((v) => (v < 0 ? -1 : 1) * (gap + Math.abs(v) * span)), shape));

/** Pairwise-distinct values (spacing >= 0.25), so max/argmax and sorting have no near-ties. */
export const distinctArb = (shape: Shape): fc.Arbitrary<HostArray> => {
  const n = sizeOf(shape);
  return fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })
    .map((perm) => hostArray(Float32Array.from(perm, (p) => (p - n / 2) * 0.25), shape));
};

export const intArrayArb = (shape: Shape, lo: number, hi: number): fc.Arbitrary<HostArray> =>
  fc.array(fc.integer({ min: lo, max: hi }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((v) => hostArray(Int32Array.from(v), shape));

export const boolArrayArb = (shape: Shape): fc.Arbitrary<HostArray> =>
  fc.array(fc.boolean(), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((v) => hostArray(Uint8Array.from(v, (b) => (b ? 1 : 0)), shape));

/** A shape and a second shape that broadcasts with it (some axes set to 1, some leading axes dropped). */
export const broadcastPairArb = (maxRank = 3): fc.Arbitrary<[number[], number[]]> =>
  fc.tuple(shapeArb(0, maxRank), fc.array(fc.boolean(), { minLength: maxRank, maxLength: maxRank }), fc.integer({ min: 0, max: maxRank }))
    .map(([s, ones, drop]) => {
      const other = s.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, s.length));
      return ones[maxRank - 1] ? [other, s] : [s, other];
    });

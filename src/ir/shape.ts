import * as E from 'fp-ts/lib/Either.js';

/** A static shape. Graphs are fully shape-typed: there are no unknown dimensions. */
export type Shape = readonly number[];

export const sizeOf = (s: Shape): number => s.reduce((a, b) => a * b, 1);
export const showShape = (s: Shape): string => `[${s.join(', ')}]`;
export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

export const isValidShape = (s: Shape): boolean => s.every((d) => Number.isInteger(d) && d >= 0);

/** NumPy broadcasting: align right, each pair equal or one of them 1. */
export const broadcastShapes = (a: Shape, b: Shape): E.Either<string, Shape> => {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      return E.left(`shapes ${showShape(a)} and ${showShape(b)} do not broadcast (axis ${i - n}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  return E.right(out);
};

/** Normalises possibly negative axes against a rank; Left on out-of-range or repeated axes. */
export const normalizeAxes = (axes: readonly number[], rank: number): E.Either<string, number[]> => {
  const out: number[] = [];
  for (const a of axes) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) return E.left(`axis ${a} is out of range for rank ${rank}`);
    const n = a < 0 ? a + rank : a;
    if (out.includes(n)) return E.left(`axis ${a} is repeated`);
    out.push(n);
  }
  return E.right(out.sort((x, y) => x - y));
};

/** Axes of `full` that were broadcast from `small` (for summing cotangents back). */
export const broadcastAxes = (small: Shape, full: Shape): number[] => {
  const lead = full.length - small.length;
  const axes: number[] = [];
  for (let i = 0; i < full.length; i++) {
    if (i < lead || (small[i - lead] === 1 && full[i] !== 1)) axes.push(i);
  }
  return axes;
};


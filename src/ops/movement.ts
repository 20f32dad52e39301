import { bind } from '../primitives/bind.ts';
import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import { sizeOf, type Shape } from '../ir/shape.ts';

/** Reshape; one dimension may be -1 and is inferred. */
export const reshape = (x: Node, shape: Shape): Node => {
  const holes = shape.filter((d) => d === -1).length;
  let s = [...shape];
  if (holes > 1) throw new GraphError('shape', 'reshape', `at most one -1 is allowed, got [${shape.join(', ')}]`);
  if (holes === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    const total = sizeOf(x.shape);
    if (known === 0 || total % known !== 0) {
      throw new GraphError('shape', 'reshape', `cannot infer -1 in [${shape.join(', ')}] from ${total} elements`, [{ shape: x.shape, dtype: x.dtype }]);
    }
    s = s.map((d) => (d === -1 ? total / known : d));
  }
  if (s.length === x.shape.length && s.every((d, i) => d === x.shape[i])) return x;
  return bind('reshape', [x], { shape: s });
};

export const transpose = (x: Node, perm?: readonly number[]): Node => {
  const p = perm ? [...perm] : x.shape.map((_, i) => x.shape.length - 1 - i);
  if (p.every((v, i) => v === i) && p.length === x.shape.length) return x;
  return bind('transpose', [x], { perm: p });
};

/** Swaps the last two axes. */
export const mT = (x: Node): Node => {
  const r = x.shape.length;
  if (r < 2) throw new GraphError('shape', 'mT', 'needs rank >= 2', [{ shape: x.shape, dtype: x.dtype }]);
  return transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
};

/** slice(x, begin, size); size -1 means "to the end". */
export const slice = (x: Node, begin: readonly number[], size?: readonly number[]): Node => {
  const b = x.shape.map((_, i) => begin[i] ?? 0);
  const s = x.shape.map((d, i) => (size?.[i] === undefined || size[i] === -1 ? d - b[i] : size[i]));
  if (b.every((v) => v === 0) && s.every((v, i) => v === x.shape[i])) return x;
  return bind('slice', [x], { begin: b, size: s });
};

/** Slice [start, end) along one axis. */
export const sliceAxis = (x: Node, axis: number, start: number, end: number): Node => {
  const a = axis < 0 ? axis + x.shape.length : axis;
  return slice(x, x.shape.map((_, i) => (i === a ? start : 0)), x.shape.map((d, i) => (i === a ? end - start : d)));
};

export const concat = (xs: readonly Node[], axis = 0): Node => {
  if (xs.length === 1) return xs[0];
  const a = axis < 0 ? axis + (xs[0]?.shape.length ?? 0) : axis;
  return bind('concat', xs, { axis: a });
};

export const pad = (x: Node, paddings: readonly (readonly [number, number])[], value = 0): Node =>
  paddings.every(([a, b]) => a === 0 && b === 0) ? x : bind('pad', [x], { paddings: paddings.map(([a, b]) => [a, b] as [number, number]), value });

export const broadcastTo = (x: Node, shape: Shape): Node =>
  x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i]) ? x : bind('broadcastTo', [x], { shape: [...shape] });

export const tile = (x: Node, reps: readonly number[]): Node => (reps.every((r) => r === 1) ? x : bind('tile', [x], { reps: [...reps] }));

export const expandDims = (x: Node, axis: number): Node => {
  const a = axis < 0 ? axis + x.shape.length + 1 : axis;
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
};

export const squeeze = (x: Node, axis: number): Node => {
  const a = axis < 0 ? axis + x.shape.length : axis;
  if (x.shape[a] !== 1) throw new GraphError('shape', 'squeeze', `axis ${axis} has size ${x.shape[a]}, not 1`, [{ shape: x.shape, dtype: x.dtype }]);
  return reshape(x, x.shape.filter((_, i) => i !== a));
};

export const flatten = (x: Node): Node => reshape(x, [sizeOf(x.shape)]);

import * as E from 'fp-ts/lib/Either.js';
import type { DType } from '../ir/dtype.ts';
import type { Aval, Node } from '../ir/node.ts';
import { broadcastAxes, broadcastShapes, sameShape, type Shape } from '../ir/shape.ts';
import { reshape, sum } from '../ops/index.ts';

/** Shape-rule building blocks shared by the primitive families. */
export const ok = (shape: Shape, dtype: DType): E.Either<string, Aval> => E.right({ shape, dtype });
export const fail = (msg: string): E.Either<string, Aval> => E.left(msg);

export const requireDtype = (x: Aval, allowed: readonly DType[], what = 'input'): string | null =>
  allowed.includes(x.dtype) ? null : `dtype: ${what} must be ${allowed.join(' or ')}, got ${x.dtype}`;

export const unaryRule = (allowed: readonly DType[]) => (inputs: readonly Aval[]): E.Either<string, Aval> => {
  const bad = requireDtype(inputs[0], allowed);
  return bad ? fail(bad) : ok(inputs[0].shape, inputs[0].dtype);
};

export const binaryRule = (allowed: readonly DType[], out?: DType) => (inputs: readonly Aval[]): E.Either<string, Aval> => {
  const [a, b] = inputs;
  if (a.dtype !== b.dtype) return fail(`dtype: operands differ (${a.dtype} vs ${b.dtype}); cast one of them`);
  const bad = requireDtype(a, allowed, 'operands');
  if (bad) return fail(bad);
  return E.map((s: Shape): Aval => ({ shape: s, dtype: out ?? a.dtype }))(broadcastShapes(a.shape, b.shape));
};

/** Sums a broadcast cotangent back to the operand's shape. */
export const unbroadcast = (ct: Node, shape: Shape): Node => {
  if (sameShape(ct.shape, shape)) return ct;
  const axes = broadcastAxes(shape, ct.shape);
  return reshape(axes.length ? sum(ct, axes) : ct, shape);
};

import type { Node } from '../ir/node.ts';
import { add, cos, div, less, maximum, minimum, mul, sub, where } from '../ops/index.ts';

/**
 * The arithmetic a schedule needs, over host numbers or graph scalars. A schedule is written
 * once against this interface, so its host and graph forms cannot drift apart.
 */
export interface NumOps<T> {
  readonly add: (a: T | number, b: T | number) => T;
  readonly sub: (a: T | number, b: T | number) => T;
  readonly mul: (a: T | number, b: T | number) => T;
  readonly div: (a: T | number, b: T | number) => T;
  readonly min: (a: T | number, b: T | number) => T;
  readonly max: (a: T | number, b: T | number) => T;
  readonly cos: (a: T) => T;
  /** a < b ? then : otherwise (both branches are evaluated in the graph form). */
  readonly ifLess: (a: T | number, b: T | number, then: T | number, otherwise: T | number) => T;
}

export const hostNum: NumOps<number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  min: Math.min,
  max: Math.max,
  cos: Math.cos,
  ifLess: (a, b, x, y) => (a < b ? x : y),
};

export const graphNum: NumOps<Node> = {
  add: (a, b) => add(a, b),
  sub: (a, b) => sub(a, b),
  mul: (a, b) => mul(a, b),
  div: (a, b) => div(a, b),
  min: (a, b) => minimum(a, b),
  max: (a, b) => maximum(a, b),
  cos: (a) => cos(a),
  ifLess: (a, b, x, y) => where(less(a, b), x, y),
};

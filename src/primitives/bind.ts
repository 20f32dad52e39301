import * as E from 'fp-ts/lib/Either.js';
import { GraphError } from '../ir/errors.ts';
import { isNode, makeNode, type Node } from '../ir/node.ts';
import type { Prim, PrimAttrs, PrimNode } from './attrs.ts';
import { registry } from './registry.ts';

// Binding lives with the registry, not in ir/: it needs every primitive's shape rule.

/** Applies a primitive: checks the inputs with its shape rule and returns the new node, or a GraphError. */
export const tryBind = <P extends Prim>(op: P, inputs: readonly Node[], attrs: PrimAttrs[P]): E.Either<GraphError, PrimNode<P>> => {
  const bad = inputs.findIndex((x) => !isNode(x));
  if (bad >= 0) {
    return E.left(new GraphError('input', op, `input ${bad} is not a graph value (got ${typeof inputs[bad]}); build it with constant() or pass it as an argument`));
  }
  const def = registry[op];
  const aval = def.infer(inputs, attrs);
  if (E.isLeft(aval)) {
    const kind = /dtype/.test(aval.left) ? 'dtype' : 'shape';
    return E.left(new GraphError(kind, op, aval.left, inputs.map((i) => ({ shape: i.shape, dtype: i.dtype }))));
  }
  return E.right(makeNode(op, inputs, attrs, aval.right));
};

/** Like tryBind, but throws the GraphError at the caller's line: the ergonomic form used by ops. */
export const bind = <P extends Prim>(op: P, inputs: readonly Node[], attrs: PrimAttrs[P]): PrimNode<P> => {
  const r = tryBind(op, inputs, attrs);
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

/** Runs graph-building code and returns its result or the first GraphError as a value. */
export const build = <T>(f: () => T): E.Either<GraphError, T> => {
  try {
    return E.right(f());
  } catch (e) {
    if (e instanceof GraphError) return E.left(e);
    throw e;
  }
};

import type { DType, HostData } from './dtype.ts';
import type { Shape } from './shape.ts';
import { hashBytes, hashString } from './hash.ts';

/** The abstract value of a node: what the shape rule computes. */
export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * An immutable expression node. Nodes are built only through `bind`, after their shape rule
 * accepted the inputs, so every node in a graph is well-typed and acyclic by construction.
 * The IR knows an op only by its name and attrs: `PrimNode` (primitives/attrs.ts) types them
 * per primitive, so ir/ depends on nothing above it.
 */
export interface Node<Op extends string = string, Attrs extends object = object> extends Aval {
  readonly op: Op;
  readonly inputs: readonly Node[];
  readonly attrs: Readonly<Attrs>;
  /** Structural hash over op, attrs, aval and the inputs' hashes; CSE re-checks equality on a match. */
  readonly hash: number;
}

/** A graph value as user code sees it. */
export type Tensor = Node;

const attrString = (attrs: object): string =>
  JSON.stringify(attrs, (_k, v) =>
    ArrayBuffer.isView(v) ? `#${hashBytes(v as HostData)}:${(v as HostData).length}` : v);

export const attrsEqual = (a: object, b: object): boolean => {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (ArrayBuffer.isView(x) && ArrayBuffer.isView(y)) {
      const bx = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      const by = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
      return bx.length === by.length && bx.every((v, i) => v === by[i]);
    }
    return JSON.stringify(x) === JSON.stringify(y);
  });
};

export const makeNode = <Op extends string, Attrs extends object>(op: Op, inputs: readonly Node[], attrs: Attrs, aval: Aval): Node<Op, Attrs> => {
  const hash = hashString(`${op}|${attrString(attrs)}|${aval.dtype}[${aval.shape.join(',')}]|${inputs.map((i) => i.hash).join(',')}`);
  return Object.freeze({
    op,
    inputs: Object.freeze([...inputs]),
    attrs: Object.freeze({ ...attrs }),
    shape: Object.freeze([...aval.shape]),
    dtype: aval.dtype,
    hash,
  });
};

export const isNode = (x: unknown): x is Node =>
  typeof x === 'object' && x !== null && 'op' in x && 'hash' in x && 'shape' in x && 'inputs' in x;

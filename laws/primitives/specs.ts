import fc from 'fast-check';
import type { HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import type { Prim } from '../../src/primitives/attrs.ts';
import * as o from '../../src/ops/index.ts';
import { bind } from '../../src/primitives/bind.ts';
import { awayFromZeroArb, boolArrayArb, broadcastPairArb, distinctArb, floatArrayArb, intArrayArb, shapeArb } from '../helpers/arbitraries.ts';

/**
 * One spec per primitive: how to generate valid inputs (its domain), how to apply it, which
 * inputs are differentiable, and the tolerance of its gradient check. The coverage law fails
 * when a primitive has no entry here.
 */
export interface PrimSpec {
  readonly inputs: fc.Arbitrary<HostArray[]>;
  readonly apply: (xs: Node[]) => Node;
  /** Indices of inputs to check the VJP against finite differences; empty = not differentiable. */
  readonly diff: readonly number[];
  readonly tol?: number;
}

const one = (a: fc.Arbitrary<HostArray>) => a.map((x) => [x]);
const unaryF = (op: (x: Node) => Node, lo = -2, hi = 2, tol?: number): PrimSpec =>
  ({ inputs: shapeArb().chain((s) => one(floatArrayArb(s, lo, hi))), apply: ([x]) => op(x), diff: [0], tol });
const binaryF = (op: (a: Node, b: Node) => Node, arbA = (s: number[]) => floatArrayArb(s), arbB = (s: number[]) => floatArrayArb(s)): PrimSpec =>
  ({ inputs: broadcastPairArb().chain(([sa, sb]) => fc.tuple(arbA(sa), arbB(sb)).map((t) => [...t])), apply: ([a, b]) => op(a, b), diff: [0, 1] });
const compareSpec = (op: (a: Node, b: Node) => Node): PrimSpec =>
  ({ inputs: broadcastPairArb().chain(([sa, sb]) => fc.tuple(intArrayArb(sa, -2, 2), intArrayArb(sb, -2, 2)).map((t) => [...t])), apply: ([a, b]) => op(a, b), diff: [] });
const logicSpec = (op: (a: Node, b: Node) => Node): PrimSpec =>
  ({ inputs: broadcastPairArb().chain(([sa, sb]) => fc.tuple(boolArrayArb(sa), boolArrayArb(sb)).map((t) => [...t])), apply: ([a, b]) => op(a, b), diff: [] });

const axesArb = (rank: number) => fc.subarray([...Array(rank).keys()]);

/** Specs whose static attributes are drawn with the data: apply reads them from `statics`. */
export interface StaticSpec {
  readonly gen: fc.Arbitrary<{ inputs: HostArray[]; statics: Record<string, unknown> }>;
  readonly apply: (xs: Node[], statics: Record<string, unknown>) => Node;
  readonly diff: readonly number[];
  readonly tol?: number;
  /** The primitive consumes a PRNG key: the harness passes one as the first input. */
  readonly key?: boolean;
}

const st = <S extends Record<string, unknown>>(gen: fc.Arbitrary<{ inputs: HostArray[]; statics: S }>, apply: (xs: Node[], s: S) => Node, diff: number[] = [0], tol?: number): StaticSpec =>
  ({ gen: gen as fc.Arbitrary<{ inputs: HostArray[]; statics: Record<string, unknown> }>, apply: apply as StaticSpec['apply'], diff, tol });
const plain = (s: PrimSpec): StaticSpec => st(s.inputs.map((inputs) => ({ inputs, statics: {} })), (xs) => s.apply(xs), [...s.diff], s.tol);

const reduceWith = (op: (x: Node, axes: number[], keep: boolean) => Node, distinct: boolean) =>
  st(shapeArb(1).chain((s) => fc.tuple(distinct ? distinctArb(s) : floatArrayArb(s), axesArb(s.length), fc.boolean())
    .map(([x, axes, keepDims]) => ({ inputs: [x], statics: { axes, keepDims } }))), ([x], s) => op(x, s.axes, s.keepDims));

const factorizations = (n: number): number[][] => {
  const out: number[][] = [[n]];
  for (let a = 2; a < n; a++) if (n % a === 0) out.push([a, n / a]);
  return out;
};

export const specs: { readonly [P in Exclude<Prim, 'input' | 'constant'>]: StaticSpec } = {
  neg: plain(unaryF(o.neg)),
  exp: plain(unaryF(o.exp)),
  log: plain(unaryF(o.log, 0.5, 3)),
  sqrt: plain(unaryF(o.sqrt, 0.5, 3)),
  rsqrt: plain(unaryF(o.rsqrt, 0.5, 3)),
  tanh: plain(unaryF(o.tanh)),
  sigmoid: plain(unaryF(o.sigmoid, -3, 3)),
  abs: plain({ inputs: shapeArb().chain((s) => one(awayFromZeroArb(s))), apply: ([x]) => o.abs(x), diff: [0] }),
  sin: plain(unaryF(o.sin)),
  cos: plain(unaryF(o.cos)),
  square: plain(unaryF(o.square)),
  gelu: plain(unaryF(o.gelu, -3, 3)),
  silu: plain(unaryF(o.silu, -3, 3)),
  sign: plain({ inputs: shapeArb().chain((s) => one(awayFromZeroArb(s))), apply: ([x]) => o.sign(x), diff: [] }),
  floor: plain({ inputs: shapeArb().chain((s) => one(floatArrayArb(s))), apply: ([x]) => o.floor(x), diff: [] }),
  add: plain(binaryF(o.add)),
  sub: plain(binaryF(o.sub)),
  mul: plain(binaryF(o.mul)),
  div: plain(binaryF(o.div, (s) => floatArrayArb(s), (s) => awayFromZeroArb(s, 0.5, 1.5))),
  pow: plain(binaryF(o.pow, (s) => floatArrayArb(s, 0.5, 2), (s) => floatArrayArb(s, -2, 2))),
  maximum: plain({ ...binaryF(o.maximum), inputs: broadcastPairArb().chain(([sa, sb]) => fc.tuple(floatArrayArb(sa, -3, 3), awayFromZeroArb(sb, 0.2, 0.5)).map(([a, b]) => [a, b])), apply: ([a, d]) => o.maximum(a, o.add(a, d)), diff: [0, 1] }),
  minimum: plain({ ...binaryF(o.minimum), inputs: broadcastPairArb().chain(([sa, sb]) => fc.tuple(floatArrayArb(sa, -3, 3), awayFromZeroArb(sb, 0.2, 0.5)).map(([a, b]) => [a, b])), apply: ([a, d]) => o.minimum(a, o.add(a, d)), diff: [0, 1] }),
  less: plain(compareSpec(o.less)),
  lessEqual: plain(compareSpec(o.lessEqual)),
  greater: plain(compareSpec(o.greater)),
  greaterEqual: plain(compareSpec(o.greaterEqual)),
  equal: plain(compareSpec(o.equal)),
  notEqual: plain(compareSpec(o.notEqual)),
  logicalAnd: plain(logicSpec(o.logicalAnd)),
  logicalOr: plain(logicSpec(o.logicalOr)),
  logicalNot: plain({ inputs: shapeArb().chain((s) => one(boolArrayArb(s))), apply: ([x]) => o.logicalNot(x), diff: [] }),
  where: plain({
    inputs: broadcastPairArb().chain(([sa, sb]) => fc.tuple(boolArrayArb(sa), floatArrayArb(sa), floatArrayArb(sb)).map((t) => [...t])),
    apply: ([c, a, b]) => o.where(c, a, b), diff: [1, 2],
  }),
  cast: plain({ inputs: shapeArb().chain((s) => one(floatArrayArb(s, -5, 5))), apply: ([x]) => o.cast(x, 'int32'), diff: [] }),
  sum: reduceWith(o.sum, false),
  max: reduceWith(o.max, true),
  argmax: st(shapeArb(1).chain((s) => fc.tuple(distinctArb(s), fc.integer({ min: 0, max: s.length - 1 })).map(([x, axis]) => ({ inputs: [x], statics: { axis } }))), ([x], s) => o.argmax(x, s.axis), []),
  argmin: st(shapeArb(1).chain((s) => fc.tuple(distinctArb(s), fc.integer({ min: 0, max: s.length - 1 })).map(([x, axis]) => ({ inputs: [x], statics: { axis } }))), ([x], s) => o.argmin(x, s.axis), []),
  topkValues: st(shapeArb(1).chain((s) => fc.tuple(distinctArb(s), fc.integer({ min: 1, max: s[s.length - 1] })).map(([x, k]) => ({ inputs: [x], statics: { k } }))), ([x], s) => o.topk(x, s.k).values, []),
  topkIndices: st(shapeArb(1).chain((s) => fc.tuple(distinctArb(s), fc.integer({ min: 1, max: s[s.length - 1] })).map(([x, k]) => ({ inputs: [x], statics: { k } }))), ([x], s) => o.topk(x, s.k).indices, []),
  cumsum: st(shapeArb(1).chain((s) => fc.tuple(floatArrayArb(s), fc.integer({ min: 0, max: s.length - 1 }), fc.boolean()).map(([x, axis, reverse]) => ({ inputs: [x], statics: { axis, reverse } }))), ([x], s) => o.cumsum(x, s.axis, s.reverse)),
  reshape: st(shapeArb(1).chain((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    return fc.tuple(floatArrayArb(s), fc.constantFrom(...factorizations(n))).map(([x, shape]) => ({ inputs: [x], statics: { shape } }));
  }), ([x], s) => bind('reshape', [x], { shape: s.shape })),
  transpose: st(shapeArb(1).chain((s) => fc.tuple(floatArrayArb(s), fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }))
    .map(([x, perm]) => ({ inputs: [x], statics: { perm } }))), ([x], s) => bind('transpose', [x], { perm: s.perm })),
  slice: st(shapeArb(1).chain((s) => fc.tuple(floatArrayArb(s), fc.tuple(...s.map((d) => fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.integer({ min: 0, max: d - b }).map((n) => [b, n] as const)))))
    .map(([x, bn]) => ({ inputs: [x], statics: { begin: bn.map((p) => p[0]), size: bn.map((p) => p[1]) } }))), ([x], s) => bind('slice', [x], { begin: s.begin, size: s.size })),
  concat: st(shapeArb(1).chain((s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 1, max: 3 })).chain(([axis, extra]) =>
    fc.tuple(floatArrayArb(s), floatArrayArb(s.map((d, i) => (i === axis ? extra : d)))).map((xs) => ({ inputs: [...xs], statics: { axis } })))),
    (xs, s) => o.concat(xs, s.axis), [0, 1]),
  pad: st(shapeArb(1).chain((s) => fc.tuple(floatArrayArb(s), fc.tuple(...s.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))))
    .map(([x, paddings]) => ({ inputs: [x], statics: { paddings } }))), ([x], s) => bind('pad', [x], { paddings: s.paddings as [number, number][], value: 0.5 })),
  broadcastTo: st(broadcastPairArb().filter(([a, b]) => a.length <= b.length && a.every((d, i) => d === 1 || d === b[b.length - a.length + i]))
    .chain(([a, b]) => floatArrayArb(a).map((x) => ({ inputs: [x], statics: { shape: b } }))), ([x], s) => bind('broadcastTo', [x], { shape: s.shape })),
  tile: st(shapeArb(1, 3, 3).chain((s) => fc.tuple(floatArrayArb(s), fc.tuple(...s.map(() => fc.integer({ min: 1, max: 3 }))))
    .map(([x, reps]) => ({ inputs: [x], statics: { reps } }))), ([x], s) => bind('tile', [x], { reps: s.reps })),
  matmul: st(fc.tuple(broadcastPairArb(2), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
    .chain(([[ba, bb], m, k, n]) => fc.tuple(floatArrayArb([...ba, m, k]), floatArrayArb([...bb, k, n])).map((xs) => ({ inputs: [...xs], statics: {} }))),
    ([a, b]) => o.matmul(a, b), [0, 1]),
  gather: st(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), shapeArb(1, 2)).chain(([V, D, is]) =>
    fc.tuple(floatArrayArb([V, D]), intArrayArb(is, 0, V - 1)).map((xs) => ({ inputs: [...xs], statics: {} }))), ([t, i]) => o.gather(t, i), [0]),
  segmentSum: st(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })).chain(([n, D, S]) =>
    fc.tuple(floatArrayArb([n, D]), intArrayArb([n], 0, S - 1)).map((xs) => ({ inputs: [...xs], statics: { S } }))), ([d, i], s) => o.segmentSum(d, i, s.S), [0]),
  oneHot: st(fc.tuple(shapeArb(0, 2), fc.integer({ min: 1, max: 5 })).chain(([s, depth]) => intArrayArb(s, 0, depth - 1).map((x) => ({ inputs: [x], statics: { depth } }))),
    ([x], s) => o.oneHot(x, s.depth), []),
  stopGradient: plain({ ...unaryF(o.stopGradient), diff: [] }),
  // keys and random streams have their own laws (laws/random); here: shape rules only
  splitKey: { ...st(fc.integer({ min: 0, max: 5 }).map((index) => ({ inputs: [], statics: { index } })), ([k], s) => o.splitKey(k, s.index), []), key: true },
  randomUniform: { ...st(shapeArb().map((shape) => ({ inputs: [], statics: { shape } })), ([k], s) => o.uniform(k, s.shape), []), key: true },
  randomNormal: { ...st(shapeArb().map((shape) => ({ inputs: [], statics: { shape } })), ([k], s) => o.normal(k, s.shape), []), key: true },
};

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import type { HostData } from '../../src/ir/dtype.ts';
import { makeNode, type Node } from '../../src/ir/node.ts';
import { topoSort } from '../../src/ir/topo.ts';
import * as o from '../../src/ops/index.ts';
import { isPrimNode, registry } from '../../src/primitives/registry.ts';
import type { PrimitiveDef, Value } from '../../src/primitives/primitive.ts';
import type { Prim } from '../../src/primitives/attrs.ts';
import { cse } from '../../src/transforms/cse.ts';
import { ready } from '../helpers/backends.ts';
import { floatsArb } from '../helpers/arbitraries.ts';

// CSE merges exactly the structurally equal nodes. Checked against an interpreter that runs each
// node's lowering without planning (compile would apply CSE itself), and against hash-consing
// on full structural keys (no hashes involved).

const S = [2, 3];
const c1 = (): HostData => Float32Array.of(0.5, -1, 2, 0, 1, -0.25);
const c2 = (): HostData => Float32Array.of(0.5, -1, 2, 0, 1, -0.5);
/** Ops that keep [2, 3] float32, so any program composes; constants are fresh arrays each time. */
const pool: ((a: Node, b: Node) => Node)[] = [
  (a, b) => o.add(a, b), (a, b) => o.sub(a, b), (a, b) => o.mul(a, b), (a, b) => o.maximum(a, b),
  (a) => o.tanh(a), (a) => o.neg(a),
  (a) => o.add(a, o.sum(a, [0], true)), (a) => o.add(a, o.sum(a, [1], true)),
  (a) => o.add(a, o.constant(c1(), S)), (a) => o.add(a, o.constant(c2(), S)),
  (a) => o.cast(o.cast(o.mul(a, 4), 'int32'), 'float32'),
];
type Program = readonly (readonly [op: number, i: number, j: number])[];
const programArb: fc.Arbitrary<Program> = fc.array(fc.tuple(fc.nat(pool.length - 1), fc.nat(), fc.nat()), { minLength: 1, maxLength: 10 });

/** Builds a program's nodes over two inputs; each op reads two earlier nodes. */
const build = (p: Program): Node[] => {
  const nodes = [o.input(0, S), o.input(1, S)];
  for (const [op, i, j] of p) nodes.push(pool[op](nodes[i % nodes.length], nodes[j % nodes.length]));
  return nodes;
};

/** Evaluates nodes with each primitive's own lowering on the active backend, one node at a time. */
const interpret = (outputs: readonly Node[], args: readonly tf.Tensor[]): number[][] => tf.tidy(() => {
  const vals = new Map<Node, Value>();
  for (const n of topoSort(outputs)) {
    assert.ok(isPrimNode(n));
    const v = n.op === 'input'
      ? args[(n.attrs as { index: number }).index]
      : (registry[n.op] as PrimitiveDef<Prim>).lower(n.inputs.map((x) => vals.get(x)!), n.attrs as never, n);
    vals.set(n, v);
  }
  return outputs.map((n) => Array.from((vals.get(n) as tf.Tensor).dataSync()));
});

const keyOf = (n: Node, ids: Map<Node, number>): string =>
  JSON.stringify([n.op, n.dtype, n.shape, n.inputs.map((x) => ids.get(x)),
    Object.entries(n.attrs).sort().map(([k, v]) => [k, ArrayBuffer.isView(v) ? [v.constructor.name, Array.from(v as HostData)] : v])]);

/** How many structurally different nodes a graph has: hash-consing on full keys. */
const distinct = (outputs: readonly Node[]): number => {
  const byKey = new Map<string, number>();
  const ids = new Map<Node, number>();
  for (const n of topoSort(outputs)) {
    const k = keyOf(n, ids);
    if (!byKey.has(k)) byKey.set(k, byKey.size);
    ids.set(n, byKey.get(k)!);
  }
  return byKey.size;
};

test('CSE keeps every value and leaves exactly one node per distinct structure', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(programArb, fc.nat(), floatsArb(6), floatsArb(6), async (p, pick, a, b) => {
    // the program built twice: equal structures in distinct objects, which CSE must merge
    const first = build(p);
    const second = build(p);
    const outs = [first[first.length - 1], second[second.length - 1], first[2 + (pick % p.length)]];
    const merged = cse(outs);
    assert.equal(merged[0], merged[1], 'the two builds of one program merge');
    assert.equal(topoSort(merged).length, distinct(outs));
    assert.equal(distinct(merged), distinct(outs));
    assert.deepEqual(cse(merged), merged, 'CSE is idempotent');
    const args = [tf.tensor(a, S), tf.tensor(b, S)];
    try {
      assert.deepEqual(interpret(merged, args), interpret(outs, args));
    } finally {
      tf.dispose(args);
    }
  }), { numRuns: 40 });
});

/** A copy of `n` with one field changed and its hash kept: a forced collision. */
const forge = (n: Node, change: Partial<Node>): Node => Object.freeze({ ...n, ...change, hash: n.hash });

test('CSE never merges nodes that differ in op, attrs, inputs, shape or dtype, even when their hashes collide', () => {
  fc.assert(fc.property(programArb, fc.constantFrom('op', 'attrs', 'inputs', 'shape', 'dtype'), (p, field) => {
    const nodes = build(p);
    const x = nodes[nodes.length - 1];
    const [a, b] = nodes;
    const base = o.add(x, a);
    const variants: Record<typeof field, Node> = {
      op: forge(base, { op: 'sub' }),
      attrs: forge(o.sum(x, [0], true), { attrs: { axes: [1], keepDims: true } }),
      inputs: forge(base, { inputs: [x, b] }),
      shape: forge(base, { shape: [3, 2] }),
      dtype: forge(base, { dtype: 'int32' }),
    };
    const other = variants[field];
    const same = field === 'attrs' ? o.sum(x, [0], true) : base;
    assert.equal(other.hash, same.hash);
    const [m0, m1, m2] = cse([same, other, makeNode(same.op, same.inputs, same.attrs, same)]);
    assert.notEqual(m0, m1, `merged nodes that differ in ${field}`);
    assert.equal(m0, m2, 'an equal rebuild still merges');
  }));
});

test('constants merge by content: equal data merges, one differing element or another dtype does not', () => {
  fc.assert(fc.property(floatsArb(6), fc.nat(5), (d, i) => {
    const changed = Float32Array.from(d);
    changed[i] = changed[i] === 1 ? 2 : 1;
    const [x, y, z] = cse([o.constant(Float32Array.from(d), S), o.constant(Float32Array.from(d), S), o.constant(changed, S)]);
    assert.equal(x, y);
    assert.notEqual(x, z);
    const ints = Int32Array.from(d, Math.round);
    const [fi, ii] = cse([o.constant(Float32Array.from(ints), S), o.constant(Int32Array.from(ints), S)]);
    assert.notEqual(fi, ii);
  }));
});

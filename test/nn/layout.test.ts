// paramLayout: a host tree is narrowed to a model's parameter type only when it has exactly the
// layout the model's init traces (paths, shapes, dtypes, structure); every difference is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import { isHostTree, paramLayout } from '../../src/nn/layout.ts';
import { linear, type LinearParams } from '../../src/nn/linear.ts';
import { fn } from '../../src/nn/module.ts';
import { sequential } from '../../src/nn/sequential.ts';
import { relu } from '../../src/ops/index.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { checkedTrees, decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.ts';

const f32 = (...shape: number[]): HostArray => hostArray(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
const mlp = sequential([linear({ in: 3, out: 4 }), fn(relu), linear({ in: 4, out: 2, bias: false })] as const);
const layout = paramLayout(() => mlp.init(keyFromSeed(0)));

test('a tree with the layout of the init holds, and is then typed as its parameters', () => {
  const tree: unknown = [{ w: f32(3, 4), b: f32(4) }, {}, { w: f32(4, 2) }];
  const problems: string[] = [];
  assert.ok(layout.holds(tree, problems));
  const first: LinearParams = tree[0];
  assert.deepEqual(first.w.shape, [3, 4]);
  assert.deepEqual(problems, []);
  assert.ok(layout.holds(mlp.init(keyFromSeed(5))), 'a real init holds');
});

test('every difference is listed: shapes, dtypes, missing and unexpected tensors, missing group, not a tree', () => {
  const problems: string[] = [];
  const tree = [{ w: f32(3, 5), b: hostArray(new Int32Array(4), [4]) }, {}, { v: f32(4, 2) }];
  assert.equal(layout.holds(tree, problems, 'ema'), false);
  assert.deepEqual(problems, [
    "tensor 'ema/[0].b' is int32 [4], expected float32 [4]",
    "tensor 'ema/[0].w' is float32 [3, 5], expected float32 [3, 4]",
    "missing tensor 'ema/[2].w' (expected float32 [4, 2])",
    "unexpected tensor 'ema/[2].v'",
  ]);
  const missing: string[] = [];
  assert.equal(layout.holds(undefined, missing, 'ema'), false);
  assert.deepEqual(missing, ["missing parameter group 'ema'"]);
  const odd: string[] = [];
  assert.equal(layout.holds([{ w: f32(3, 4), b: 'no' }, {}, { w: f32(4, 2) }], odd), false);
  assert.deepEqual(odd, ["parameter group 'params' is not a tree of arrays"]);
});

test('the structure counts too: an empty record the layout has must be there', () => {
  const problems: string[] = [];
  assert.equal(layout.holds({ 0: { w: f32(3, 4), b: f32(4) }, 2: { w: f32(4, 2) } }, problems), false, 'a record is not a list');
  assert.equal(layout.holds([{ w: f32(3, 4), b: f32(4) }, [], { w: f32(4, 2) }], problems), false, 'an empty list is not an empty record');
  assert.match(problems.at(-1)!, /records and lists are not arranged as expected/);
});

test('isHostTree accepts host arrays in plain records and arrays, nothing else', () => {
  assert.ok(isHostTree(f32(2)));
  assert.ok(isHostTree({ a: [f32(1), { b: f32(2) }], c: {} }));
  assert.ok(!isHostTree({ a: 1 }));
  assert.ok(!isHostTree(null));
  assert.ok(!isHostTree(new Map()));
});

test('checkedTrees types a checkpoint\'s groups and lists the problems of all of them', () => {
  const params = mlp.init(keyFromSeed(1));
  assert.ok(isHostTree(params));
  const bytes = encodeCheckpoint({ kind: 'demo', trees: { params, ema: params }, meta: {} });
  const ck = decodeCheckpoint(bytes, 'demo');
  assert.ok(E.isRight(ck));
  const ok = checkedTrees(ck.right, { params: layout, ema: layout });
  assert.ok(E.isRight(ok));
  assert.deepEqual(Array.from(ok.right.ema[2].w.data), Array.from(params[2].w.data));
  const other = paramLayout(() => linear({ in: 3, out: 4 }).init(keyFromSeed(0)));
  const bad = checkedTrees(ck.right, { params: other, opt: layout });
  assert.ok(E.isLeft(bad));
  assert.match(bad.left.message, /unexpected tensor 'params\/\[0\]\.w'/);
  assert.match(bad.left.message, /missing parameter group 'opt'/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as o from '../../src/ops/index.ts';
import { build, tryBind } from '../../src/primitives/bind.ts';
import { GraphError } from '../../src/ir/errors.ts';
import { compile } from '../../src/compile/compile.ts';
import { parseBackendName } from '../../src/compile/backend.ts';
import { valueAndGrad } from '../../src/transforms/grad.ts';
import { flatten } from '../../src/tree/tree.ts';
import { isNode } from '../../src/ir/node.ts';
import { hostArray } from '../../src/ir/host-array.ts';

const x23 = () => o.input(0, [2, 3]);
const x45 = () => o.input(1, [4, 5]);

test('a shape mismatch is reported at the call, naming the op and both shapes', () => {
  assert.throws(() => o.matmul(x23(), x45()), (e: unknown) =>
    e instanceof GraphError && e.op === 'matmul' && /inner dimensions differ/.test(e.message) && e.message.includes('[2, 3]') && e.message.includes('[4, 5]'));
  assert.throws(() => o.add(x23(), x45()), /add: shapes \[2, 3\] and \[4, 5\] do not broadcast/);
});

test('builders return Either when asked', () => {
  const r = build(() => o.add(x23(), x45()));
  assert.ok(E.isLeft(r) && r.left.kind === 'shape');
  const ok = tryBind('add', [x23(), x23()], {});
  assert.ok(E.isRight(ok) && ok.right.shape.join() === '2,3');
});

test('dtype mismatches name what was expected', () => {
  const i = o.input(0, [2], 'int32');
  assert.throws(() => o.add(i, o.input(1, [2])), /add: dtype: operands differ \(int32 vs float32\); cast one of them/);
  assert.throws(() => o.gather(o.input(0, [4, 2]), o.input(1, [3])), /gather: dtype: indices must be int32, got float32/);
  assert.throws(() => o.crossEntropy(o.input(0, [2, 4]), o.input(1, [2])), /labels must be int32/);
});

test('bad attributes are refused: axes, reshape sizes, slices', () => {
  assert.throws(() => o.sum(x23(), 2), /sum: axis 2 is out of range for rank 2/);
  assert.throws(() => o.reshape(x23(), [4, 2]), /cannot reshape 6 elements/);
  assert.throws(() => o.slice(x23(), [1, 0], [2, 3]), /axis 0: \[1, 3\) is outside \[0, 2\)/);
  assert.throws(() => o.topk(x23(), 4), /k must be an integer in \[1, 3\]/);
});

test('unknown backend names are refused with the valid ones listed', () => {
  assert.throws(() => parseBackendName('metal'), /unknown backend 'metal'; choose one of webgpu, wasm, cpu/);
  assert.throws(() => compile(() => o.scalar(1), { backend: 'tpu' }), /unknown backend 'tpu'/);
});

test('non-parameter leaves in a parameter tree are refused with their path', () => {
  assert.throws(() => flatten({ a: [x23(), 'oops'] } as never, isNode, 'graph value'), /leaf at a\[1\] is a string, not a graph value/);
  assert.throws(() => valueAndGrad((p: { w: ReturnType<typeof x23> }) => o.sum(p.w))({ w: x23(), extra: 3 } as never), /leaf at extra is a number/);
});

test('a non-scalar loss is refused by valueAndGrad', () => {
  assert.throws(() => valueAndGrad((p: ReturnType<typeof x23>) => o.square(p))(x23()), /must return a float32 scalar, got float32\[2, 3\]/);
});

test('a graph value from another trace (dangling input) is refused at compile time', async () => {
  const stray = o.input(5, [2]);
  await assert.rejects(compile((a: ReturnType<typeof x23>) => o.add(a, stray), { backend: 'cpu' }).run(hostArray(new Float32Array(2), [2])),
    /uses input 5 but only 1 were traced; a graph value from another trace leaked in/);
});

test('checkNumerics names the first op that produced a non-finite value', async () => {
  const f = compile((a: ReturnType<typeof x23>) => o.exp(o.log(o.sub(a, 1))), { backend: 'cpu', checkNumerics: true });
  await assert.rejects(f.run(hostArray(Float32Array.of(0.5, 2), [2])), (e: unknown) => e instanceof GraphError && e.kind === 'nonfinite' && e.op === 'log');
});

test('host data of the wrong length is refused', () => {
  assert.throws(() => o.constant(new Float32Array(5), [2, 3]), /data has 5 elements but shape \[2, 3\] needs 6/);
});

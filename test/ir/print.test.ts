import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as o from '../../src/ops/index.ts';
import { printGraph } from '../../src/ir/print.ts';
import { grad } from '../../src/transforms/grad.ts';
import { cse } from '../../src/transforms/cse.ts';
import { topoSort } from '../../src/ir/topo.ts';

test('the IR of grad(sum(tanh(x) * w)) prints as expected', () => {
  const x = o.input(0, [3]);
  const g = grad((w: typeof x) => o.sum(o.mul(o.tanh(x), w)))(o.input(1, [3]));
  assert.equal(printGraph([g]), [
    '%0: float32[] = constant{data=<1>, shape=[]}',
    '%1: float32[1] = reshape{shape=[1]} %0',
    '%2: float32[3] = broadcastTo{shape=[3]} %1',
    '%3: float32[3] = input{index=0, name="arg0", shape=[3], dtype="float32"}',
    '%4: float32[3] = tanh %3',
    '%5: float32[3] = mul %2 %4',
    'return %5',
  ].join('\n'));
});

test('structurally equal subgraphs are shared after CSE', () => {
  const x = o.input(0, [4]);
  const a = o.exp(o.mul(x, 2));
  const b = o.exp(o.mul(x, 2)); // built twice, equal structure
  const [out] = cse([o.add(a, b)]);
  assert.equal(out.inputs[0], out.inputs[1]);
  assert.equal(topoSort([out]).length, 5); // input, constant 2, mul, exp, add
});

test('CSE does not merge nodes that differ only in constant data', () => {
  const x = o.input(0, [2]);
  const [out] = cse([o.add(o.mul(x, 2), o.mul(x, 3))]);
  assert.notEqual(out.inputs[0], out.inputs[1]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as o from '../../src/ops/index.ts';
import { compile, release } from '../../src/compile/compile.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';

test('plans are cached per input-shape signature', async () => {
  let traces = 0;
  const f = compile((x: Node) => { traces++; return o.sum(o.square(x)); }, { backend: 'cpu' });
  for (const n of [3, 3, 4, 3, 4]) release(await f.run(hostArray(new Float32Array(n), [n])));
  assert.equal(traces, 2);
  assert.equal(f.planCount, 2);
});

test('outputs that alias inputs or each other are independent arrays', async () => {
  const f = compile((x: Node) => ({ a: x, b: x, c: o.neg(x), d: o.neg(x) }), { backend: 'cpu' });
  const out = await f.run(hostArray(Float32Array.of(1, 2), [2]));
  out.a.release();
  out.c.release();
  assert.deepEqual(Array.from((await out.b.host()).data), [1, 2]);
  assert.deepEqual(Array.from((await out.d.host()).data), [-1, -2]);
});

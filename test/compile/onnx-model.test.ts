// What the ONNX model builder leaves out: a broadcastTo read only by broadcasting ops that give
// the same shape from its input (no Expand), and the Identity behind an output that is a node's
// own result. Results equal the cpu backend's in every case, including those that must keep them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { ready } from '../../laws/helpers/backends.ts';

const arr = (seed: number, shape: number[]): HostArray => hostArray(normalHost(keyFromSeed(seed), shape.reduce((a, b) => a * b, 1)), shape);

/** Runs fn on cpu and onnx-cpu; asserts equal results and returns the ONNX model's node count. */
const onBoth = async (fn: (...xs: Node[]) => Node | Node[], args: HostArray[]): Promise<number> => {
  await ready('onnx-cpu');
  const want = (await compile(fn, { backend: 'cpu' }).host(...args)) as HostArray | HostArray[];
  const f = compile(fn, { backend: 'onnx-cpu' });
  const got = (await f.host(...args)) as HostArray | HostArray[];
  const [w, g] = [want, got].map((r) => (Array.isArray(r) ? r : [r]));
  assert.equal(g.length, w.length);
  g.forEach((a, i) => {
    assert.deepEqual(a.shape, w[i].shape, `output ${i} shape`);
    a.data.forEach((v, j) => assert.ok(Math.abs(v - w[i].data[j]) <= 1e-5 * (1 + Math.abs(w[i].data[j])), `output ${i}[${j}]: ${v} vs ${w[i].data[j]}`));
  });
  const [stats] = await f.sessionStats();
  return stats.nodes;
};

test('a broadcastTo read by broadcasting ops of the full shape adds no Expand; others keep theirs', async () => {
  const x = arr(1, [4, 1]);
  const y = arr(2, [4, 3]);
  const v = arr(3, [3]);
  // read by mul and sub, each with a [4, 3] operand: the result shapes hold without the Expand
  assert.equal(await onBoth((a, b) => { const e = o.broadcastTo(a, [4, 3]); return o.sub(o.mul(e, b), o.div(b, e)); }, [x, y]), 3);
  // a rank-raising broadcast
  assert.equal(await onBoth((a, b) => o.add(o.broadcastTo(a, [4, 3]), b), [v, y]), 1);
  // kept: the other operand is [4, 1], so without the Expand the sum would be [4, 1]
  assert.equal(await onBoth((a) => o.add(o.broadcastTo(a, [4, 3]), a), [x]), 2);
  // kept: a reshape reads it
  assert.equal(await onBoth((a, b) => o.add(o.reshape(o.broadcastTo(a, [4, 3]), [12]), o.reshape(b, [12])), [x, y]), 4);
  // kept: it is an output
  assert.equal(await onBoth((a, b) => { const e = o.broadcastTo(a, [4, 3]); return [e, o.mul(e, b)]; }, [x, y]), 2);
});

test('outputs that are node results need no Identity; inputs, constants and repeated outputs keep one', async () => {
  const x = arr(4, [2, 3]);
  // t is an output and read by another node; the second t, the input and the constant get Identities
  const nodes = await onBoth((a) => {
    const t = o.tanh(a);
    return [t, o.mul(t, t), t, a, o.constant(Float32Array.of(1, 2), [2])];
  }, [x]);
  assert.equal(nodes, 2 + 3);
});

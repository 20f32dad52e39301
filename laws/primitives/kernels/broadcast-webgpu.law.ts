import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { broadcastToWebGPU, mergeBroadcastAxes } from '../../../src/primitives/kernels/broadcast-webgpu.ts';
import { ready } from '../../helpers/backends.ts';
import { runOnce } from '../../../src/compile/compile.ts';
import type { HostArray } from '../../../src/ir/host-array.ts';
import type { Node } from '../../../src/ir/node.ts';
import * as o from '../../../src/ops/index.ts';

/** A target shape of rank 1-6 and a source that keeps or collapses each axis (and may drop leading ones). */
const pairArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 6 }).chain((to) =>
  fc.tuple(fc.constant(to), fc.tuple(...to.map((d) => fc.constantFrom(d, 1))), fc.nat(to.length)));

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

test('merging broadcast axes keeps the sizes and never raises the rank', () => {
  fc.assert(fc.property(pairArb, ([to, from, drop]) => {
    // leading unit axes may be left out of the source, as broadcasting allows
    let ones = 0;
    while (ones < from.length && from[ones] === 1) ones++;
    const src = from.slice(Math.min(drop, ones));
    const m = mergeBroadcastAxes(src, to);
    assert.equal(size(m.from), size(src));
    assert.equal(size(m.to), size(to));
    assert.ok(m.to.length <= to.length);
    m.from.forEach((d, i) => assert.ok(d === m.to[i] || d === 1));
  }), { numRuns: 300 });
});

test('the WebGPU broadcast equals the cpu one at every rank up to 6', async () => {
  const cases = fc.sample(pairArb, { numRuns: 25, seed: 7 });
  const want: number[][] = [];
  await ready('cpu');
  for (const [to, from] of cases) want.push(Array.from(tf.tidy(() => tf.broadcastTo(tf.reshape(tf.range(0, size(from)), from), to)).dataSync()));
  await ready('webgpu');
  for (const [i, [to, from]] of cases.entries()) {
    const y = tf.tidy(() => broadcastToWebGPU(tf.reshape(tf.range(0, size(from)), from), to));
    assert.deepEqual(Array.from(await y.data()), want[i], `${from} -> ${to}`);
    y.dispose();
  }
});

test('a compiled rank-6 broadcast of data on the GPU runs on WebGPU in Node (no synchronous read-back)', async () => {
  // 2000 elements: above tfjs-webgpu's CPU hand-off size, so the product stays on the GPU
  await ready('webgpu');
  const x = { shape: [40, 50], dtype: 'float32' as const, data: Float32Array.from({ length: 2000 }, (_, i) => i) };
  const y = await runOnce(([v]: Node[]) => o.broadcastTo(o.reshape(o.mul(v, v), [2, 1, 20, 1, 50, 1]), [2, 2, 20, 2, 50, 2]), [[x]], { backend: 'webgpu' }) as unknown as HostArray;
  assert.deepEqual(y.shape, [2, 2, 20, 2, 50, 2]);
  assert.equal(y.data[20 * 2 * 50 * 2 + 1], 0); // [0, 1, 0, 0, 0, 1] is x[0, 0]^2
  assert.equal(y.data[2 * 20 * 2 * 50 * 2], 1000 * 1000); // [1, 0, 0, 0, 0, 0] is x[20, 0]^2
  assert.equal(y.data[y.data.length - 1], 1999 * 1999);
});

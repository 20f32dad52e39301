import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { batchMatmulWasmKernel } from '../../../src/primitives/kernels/batch-matmul-wasm.ts';
import { ready } from '../../helpers/backends.ts';
import { assertClose } from '../../helpers/close.ts';

const dims = fc.record({
  // up to 40 covers the 16-column blocks, the 4-column tail, odd last rows and the n % 4 padding
  nb: fc.integer({ min: 1, max: 4 }), m: fc.integer({ min: 1, max: 40 }),
  k: fc.integer({ min: 1, max: 40 }), n: fc.integer({ min: 1, max: 40 }), seed: fc.nat(1000),
});

const host = (t: tf.Tensor) => ({ shape: t.shape, dtype: 'float32' as const, data: t.dataSync() as Float32Array });

test('the SIMD batched matmul equals tfjs-wasm\'s own product, for every shape', async () => {
  await ready('wasm');
  await fc.assert(fc.property(dims, ({ nb, m, k, n, seed }) => {
    tf.tidy(() => {
      const a = tf.randomNormal([nb, m, k], 0, 1, 'float32', seed) as tf.Tensor3D;
      const b = tf.randomNormal([nb, k, n], 0, 1, 'float32', seed + 1) as tf.Tensor3D;
      const got = batchMatmulWasmKernel(a, b);
      assert.deepEqual(got.shape, [nb, m, n]);
      assertClose(host(got), host(tf.matMul(a, b)), 1e-5, 1e-5, `[${nb},${m},${k}]@[${nb},${k},${n}]`);
    });
  }), { numRuns: 60 });
});

test('the kernel leaves its operands intact and gives a fresh tensor the caller can dispose', async () => {
  await ready('wasm');
  const a = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3]);
  const b = tf.tensor3d([1, 0, 0, 1, 1, 1], [1, 3, 2]);
  const before = tf.memory().numTensors;
  const c = batchMatmulWasmKernel(a, b);
  assert.deepEqual(Array.from(c.dataSync()), [4, 5, 10, 11]);
  assert.deepEqual(Array.from(a.dataSync()), [1, 2, 3, 4, 5, 6]);
  c.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([a, b]);
});

test('empty products are zeros of the right shape', async () => {
  await ready('wasm');
  const c = batchMatmulWasmKernel(tf.zeros([2, 3, 0]) as tf.Tensor3D, tf.zeros([2, 0, 5]) as tf.Tensor3D);
  assert.deepEqual(c.shape, [2, 3, 5]);
  assert.ok(Array.from(c.dataSync()).every((v) => v === 0));
  c.dispose();
});

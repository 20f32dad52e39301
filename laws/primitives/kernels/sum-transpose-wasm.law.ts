import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { sumWasm } from '../../../src/primitives/kernels/sum-wasm.ts';
import { blockSwap, transposeWasm } from '../../../src/primitives/kernels/transpose-wasm.ts';
import { ready } from '../../helpers/backends.ts';
import { assertClose } from '../../helpers/close.ts';

const shapeArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 });
const host = (t: tf.Tensor) => ({ shape: t.shape, dtype: 'float32' as const, data: t.dataSync() as Float32Array });

test('the wasm transpose equals tf.transpose bit for bit, for every permutation', async () => {
  await ready('wasm');
  const arb = shapeArb.chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length })));
  await fc.assert(fc.property(arb, fc.nat(1000), ([shape, perm], seed) => {
    tf.tidy(() => {
      const x = tf.randomNormal(shape, 0, 1, 'float32', seed);
      assert.deepEqual(Array.from(transposeWasm(x, perm).dataSync()), Array.from(tf.transpose(x, perm).dataSync()), `${shape} by ${perm}`);
    });
  }), { numRuns: 200 });
});

test('blockSwap recognises matrix transposes and head splits, and nothing else', () => {
  assert.deepEqual(blockSwap([6, 4], [1, 0]), [1, 6, 4, 1]);
  assert.deepEqual(blockSwap([2, 5, 3, 4], [0, 2, 1, 3]), [2, 5, 3, 4]);
  assert.deepEqual(blockSwap([2, 3, 4], [2, 0, 1]), [1, 6, 4, 1]);
  assert.equal(blockSwap([2, 3, 4], [0, 1, 2]), undefined);
  assert.equal(blockSwap([2, 3, 4, 5], [3, 1, 2, 0]), undefined);
});

test('the wasm sum over leading axes equals tf.sum, for every axis set', async () => {
  await ready('wasm');
  const arb = shapeArb.chain((s) => fc.tuple(fc.constant(s), fc.subarray(s.map((_, i) => i), { minLength: 1 }), fc.boolean()));
  await fc.assert(fc.property(arb, fc.nat(1000), ([shape, axes, keep], seed) => {
    tf.tidy(() => {
      const x = tf.randomNormal(shape, 0, 1, 'float32', seed);
      assertClose(host(sumWasm(x, axes, keep)), host(tf.sum(x, axes, keep)), 1e-5, 1e-5, `${shape} over ${axes}`);
    });
  }), { numRuns: 200 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { sliceWasm } from '../../../src/primitives/kernels/slice-wasm.ts';
import { ready } from '../../helpers/backends.ts';

/** A shape of rank 1-5 and a window inside it (some axes kept whole, some empty-free partial). */
const windowArb = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }).chain((shape) =>
  fc.tuple(fc.constant(shape), fc.tuple(...shape.map((d) => fc.integer({ min: 0, max: d - 1 }).chain((b) =>
    fc.oneof(fc.constant([0, d]), fc.tuple(fc.constant(b), fc.integer({ min: 1, max: d - b }))))))));

test('the in-place wasm slice equals tf.slice, bit for bit', async () => {
  await ready('wasm');
  await fc.assert(fc.property(windowArb, fc.nat(1000), ([shape, window], seed) => {
    tf.tidy(() => {
      const x = tf.randomNormal(shape, 0, 1, 'float32', seed);
      const [begin, size] = [window.map(([b]) => b), window.map(([, s]) => s)];
      const got = sliceWasm(x, begin, size);
      assert.deepEqual(got.shape, size);
      assert.deepEqual(Array.from(got.dataSync()), Array.from(tf.slice(x, begin, size).dataSync()), `${shape} at ${begin} size ${size}`);
    });
  }), { numRuns: 200 });
});

test('int tensors and empty windows go through tfjs unchanged', async () => {
  await ready('wasm');
  tf.tidy(() => {
    const i = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    assert.deepEqual(Array.from(sliceWasm(i, [0, 1], [2, 2]).dataSync()), [2, 3, 5, 6]);
    assert.deepEqual(sliceWasm(tf.ones([2, 3]), [1, 0], [0, 3]).shape, [0, 3]);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { checkTrees, decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { hostArray } from '../../src/ir/host-array.ts';

const params = { w: hostArray(Float32Array.of(1, 2, 3, 4), [2, 2]), layers: [{ b: hostArray(Float32Array.of(5), [1]) }] };
const ck = { kind: 'demo', trees: { params }, meta: { config: { width: 2 }, state: { step: 7 } } };

test('a checkpoint round-trips trees and metadata', () => {
  const back = decodeCheckpoint(encodeCheckpoint(ck), 'demo');
  assert.ok(E.isRight(back));
  assert.deepEqual(back.right.meta, ck.meta);
  assert.deepEqual(Array.from((back.right.trees.params as typeof params).w.data), [1, 2, 3, 4]);
  assert.deepEqual((back.right.trees.params as typeof params).layers[0].b.shape, [1]);
});

test('a checkpoint of another kind, or not a checkpoint, is refused with the reason', () => {
  const other = decodeCheckpoint(encodeCheckpoint(ck), 'tokenizer');
  assert.ok(E.isLeft(other) && /this is a 'demo' checkpoint, expected 'tokenizer'/.test(other.left.message));
  const truncated = decodeCheckpoint(encodeCheckpoint(ck).subarray(0, 40), 'demo');
  assert.ok(E.isLeft(truncated));
});

test('mismatched shapes, missing and unexpected tensors are all listed', () => {
  const decoded = decodeCheckpoint(encodeCheckpoint(ck), 'demo');
  assert.ok(E.isRight(decoded));
  const expected = { params: { w: hostArray(new Float32Array(6), [2, 3]), layers: [{ b: hostArray(new Float32Array(1), [1]), c: hostArray(new Float32Array(1), [1]) }] } };
  const r = checkTrees(decoded.right, expected);
  assert.ok(E.isLeft(r));
  assert.match(r.left.message, /tensor 'params\/w' is float32 \[2, 2\], expected float32 \[2, 3\]/);
  assert.match(r.left.message, /missing tensor 'params\/layers\[0\]\.c'/);
});

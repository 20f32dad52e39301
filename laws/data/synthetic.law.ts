import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { syntheticClasses, syntheticDataset } from '../../src/data/synthetic.ts';
import { keyFromSeed } from '../../src/random/key.ts';

const seedArb = fc.nat({ max: 2 ** 40 });
const optsArb = fc.record({ count: fc.integer({ min: 0, max: 12 }), channels: fc.integer({ min: 1, max: 4 }), height: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 1, max: 9 }) });

test('a synthetic dataset is a pure function of its key, with values in [-1, 1] and valid labels', () => {
  fc.assert(fc.property(seedArb, optsArb, (seed, opts) => {
    const a = syntheticDataset(keyFromSeed(seed), opts);
    assert.deepEqual(syntheticDataset(keyFromSeed(seed), opts), a);
    assert.equal(a.images.length, opts.count * opts.channels * opts.height * opts.width);
    assert.ok(a.images.every((v) => v >= -1 && v <= 1));
    assert.ok(a.labels.every((l) => l >= 0 && l < syntheticClasses.length));
    assert.ok(Object.isFrozen(a));
  }));
});

test('a smaller dataset is a prefix of a larger one with the same key', () => {
  fc.assert(fc.property(seedArb, optsArb, fc.integer({ min: 1, max: 5 }), (seed, opts, more) => {
    const small = syntheticDataset(keyFromSeed(seed), opts);
    const big = syntheticDataset(keyFromSeed(seed), { ...opts, count: opts.count + more });
    assert.deepEqual(big.images.subarray(0, small.images.length), small.images);
    assert.deepEqual(big.labels.subarray(0, small.count), small.labels);
  }));
});

test('every class appears, images differ, and different keys give different data', () => {
  const a = syntheticDataset(keyFromSeed(1), { count: 64, channels: 3, height: 16, width: 16 });
  const b = syntheticDataset(keyFromSeed(2), { count: 64, channels: 3, height: 16, width: 16 });
  assert.deepEqual(new Set(a.labels), new Set(syntheticClasses.map((_, i) => i)));
  assert.notDeepEqual(a.images, b.images);
  const n = 3 * 16 * 16;
  const distinct = new Set(Array.from({ length: 64 }, (_, i) => a.images.subarray(i * n, (i + 1) * n).join()));
  assert.equal(distinct.size, 64);
  assert.throws(() => syntheticDataset(keyFromSeed(1), { count: 1, channels: 0 }), /channels must be a positive integer/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { advance, batchAt, batchAtCursor, batches, epochOrder, flipDecisions, flipHorizontal, normalizeCursor, startCursor, stepBatches, type Batch, type DataCursor } from '../../src/data/batches.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { keyFromSeed } from '../../src/random/key.ts';

const seedArb = fc.nat({ max: 2 ** 40 });
const take = <T>(it: Iterator<T>, n: number): T[] => Array.from({ length: n }, () => it.next().value as T);
const sig = (b: { batch: Batch }) => `${b.batch.labels.data.join()}|${b.batch.images.data.join()}`;

test('an epoch order is a permutation, and a pure function of (key, epoch)', () => {
  fc.assert(fc.property(seedArb, fc.nat(100), fc.integer({ min: 0, max: 300 }), (seed, epoch, count) => {
    const order = epochOrder(keyFromSeed(seed), epoch, count);
    assert.deepEqual(Array.from(order).sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i));
    assert.deepEqual(epochOrder(keyFromSeed(seed), epoch, count), order);
  }));
});

test('different epochs (and different keys) give different orders', () => {
  fc.assert(fc.property(seedArb, fc.nat(100), fc.integer({ min: 1, max: 5 }), (seed, epoch, gap) => {
    const a = epochOrder(keyFromSeed(seed), epoch, 64).join();
    assert.notEqual(epochOrder(keyFromSeed(seed), epoch + gap, 64).join(), a);
    assert.notEqual(epochOrder(keyFromSeed(seed + 1), epoch, 64).join(), a);
  }));
});

test('orders are not biased: every position sees every index about equally often', () => {
  const count = 5;
  const hits = Array.from({ length: count }, () => new Array<number>(count).fill(0));
  const key = keyFromSeed(7);
  for (let e = 0; e < 4000; e++) epochOrder(key, e, count).forEach((v, p) => hits[p]![v]!++);
  for (const row of hits) for (const h of row) assert.ok(Math.abs(h - 800) < 120, `hit count ${h}, expected about 800`);
});

const dsArb = fc.record({ seed: seedArb, count: fc.integer({ min: 1, max: 23 }), size: fc.integer({ min: 1, max: 23 }) })
  .filter(({ count, size }) => size <= count)
  .map(({ seed, count, size }) => ({ key: keyFromSeed(seed), ds: syntheticDataset(keyFromSeed(seed + 1), { count, channels: 2, height: 3, width: 4 }), size }));

test('resuming from any cursor reproduces the tail of the batch stream exactly', () => {
  fc.assert(fc.property(dsArb, fc.integer({ min: 0, max: 12 }), fc.boolean(), ({ key, ds, size }, cut, flip) => {
    const whole = take(batches(ds, key, startCursor, size, { flip }), cut + 6);
    const saved: DataCursor = cut === 0 ? startCursor : JSON.parse(JSON.stringify(whole[cut - 1]!.cursor)); // as a checkpoint stores it
    const resumed = take(batches(ds, key, saved, size, { flip }), 6);
    assert.deepEqual(resumed.map(sig), whole.slice(cut).map(sig));
    assert.deepEqual(resumed.map((b) => b.cursor), whole.slice(cut).map((b) => b.cursor));
    assert.equal(sig({ batch: batchAtCursor(ds, key, saved, size, { flip }) }), sig(whole[cut]!), 'batchAtCursor agrees');
  }));
});

test('cursors visit each epoch in full batches, then move to the next epoch', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), (count, size) => {
    fc.pre(size <= count);
    let c = startCursor;
    const perEpoch = Math.floor(count / size);
    for (let step = 0; step < perEpoch * 3; step++) {
      assert.deepEqual(c, { epoch: Math.floor(step / perEpoch), position: (step % perEpoch) * size });
      c = advance(c, size, count);
    }
    assert.deepEqual(normalizeCursor({ epoch: 2, position: count }, size, count), { epoch: 3, position: 0 });
  }));
  assert.throws(() => advance(startCursor, 5, 4), /batch size 5 must be a positive integer no larger than the dataset \(4\)/);
});

test('one epoch yields every image at most once, and all of them when the batch size divides the count', () => {
  fc.assert(fc.property(seedArb, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (seed, count, size) => {
    fc.pre(size <= count);
    // label i on image i, so the labels of a batch say which images it holds
    const ds = { images: new Float32Array(count), labels: Int32Array.from({ length: count }, (_, i) => i), count, channels: 1, height: 1, width: 1, classes: [] };
    const perEpoch = Math.floor(count / size);
    const got = take(batches(ds, keyFromSeed(seed), startCursor, size), perEpoch);
    const seen = got.flatMap((b) => Array.from(b.batch.labels.data));
    assert.equal(new Set(seen).size, perEpoch * size);
    if (count % size === 0) assert.equal(seen.length, count);
    assert.deepEqual(got.at(-1)!.cursor, { epoch: 1, position: 0 }, 'the epoch ends after its last full batch');
  }));
});

test('flipping is an involution, and applied to exactly the samples the key picks', () => {
  fc.assert(fc.property(dsArb, seedArb, ({ ds, size }, flipSeed) => {
    const order = epochOrder(keyFromSeed(3), 0, ds.count);
    const start = ds.count - size;
    const flipKey = keyFromSeed(flipSeed);
    const plain = batchAt(ds, order, start, size);
    const flipped = batchAt(ds, order, start, size, { flipKey });
    const picks = flipDecisions(flipKey, start, size);
    const n = ds.channels * ds.height * ds.width;
    assert.deepEqual(flipped.labels.data, plain.labels.data);
    for (let b = 0; b < size; b++) {
      const p = plain.images.data.subarray(b * n, (b + 1) * n);
      const f = flipped.images.data.subarray(b * n, (b + 1) * n);
      assert.deepEqual(flipHorizontal(flipHorizontal(p, ds.channels, ds.height, ds.width), ds.channels, ds.height, ds.width), p);
      assert.deepEqual(f, picks[b] ? flipHorizontal(p, ds.channels, ds.height, ds.width) : p);
    }
    assert.deepEqual(flipDecisions(flipKey, start, size), picks, 'a pure function of the key');
  }));
  const many = flipDecisions(keyFromSeed(1), 0, 2000).filter(Boolean).length;
  assert.ok(many > 900 && many < 1100, `about half the samples are flipped (${many} of 2000)`);
});

test('batches have the documented shapes and dtypes', () => {
  const ds = syntheticDataset(keyFromSeed(1), { count: 10, channels: 3, height: 4, width: 5 });
  const b = batchAtCursor(ds, keyFromSeed(2), startCursor, 4);
  assert.deepEqual([b.images.shape, b.images.dtype, b.labels.shape, b.labels.dtype], [[4, 3, 4, 5], 'float32', [4], 'int32']);
  assert.throws(() => batchAt(ds, epochOrder(keyFromSeed(0), 0, 10), 8, 4), /samples 8..12 are not within an order of 10/);
});

// stepBatches (what the trainers use) is a second path to the same batches: step i of a run
// must hold what the cursor stream gives at its i-th batch, images, labels and indices alike.
test('stepBatches(i) is the stream\'s i-th batch, across epochs, with every index of an epoch at most once', () => {
  fc.assert(fc.property(seedArb, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.boolean(), (seed, count, size, flip) => {
    fc.pre(size <= count);
    const ds = { images: Float32Array.from({ length: count * 2 }, (_, i) => i), labels: Int32Array.from({ length: count }, (_, i) => i), count, channels: 1, height: 1, width: 2, classes: [] };
    const perEpoch = Math.floor(count / size);
    const steps = 2 * perEpoch + 1;
    const stream = take(batches(ds, keyFromSeed(seed), startCursor, size, { flip }), steps);
    const at = stepBatches(ds, keyFromSeed(seed), size, { flip });
    for (let i = 0; i < steps; i++) {
      const b = at(i);
      assert.equal(sig({ batch: b }), sig(stream[i]), `step ${i}`);
      assert.deepEqual(Array.from(b.indices), Array.from(b.labels.data), `step ${i}: indices name the images it holds`);
    }
    const firstEpoch = Array.from({ length: perEpoch }, (_, i) => Array.from(at(i).indices)).flat();
    assert.equal(new Set(firstEpoch).size, perEpoch * size);
  }));
});

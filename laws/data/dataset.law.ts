import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { fromIdx, fromIdxBytes, imageAt, makeDataset, subsetDataset } from '../../src/data/dataset.ts';
import { encodeIdx } from '../../src/data/idx.ts';

const rawArb = fc.record({ n: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 1, max: 6 }), w: fc.integer({ min: 1, max: 6 }), c: fc.constantFrom(0, 1, 3), extra: fc.integer({ min: 0, max: 5 }) })
  .chain(({ n, h, w, c, extra }) => fc.record({
    pixels: fc.uint8Array({ minLength: n * h * w * Math.max(c, 1), maxLength: n * h * w * Math.max(c, 1) }),
    labels: fc.uint8Array({ minLength: n, maxLength: n, max: 9 }),
  }).map((d) => ({ n, h, w, c, extra, ...d })));

test('fromIdx maps bytes to x / 127.5 - 1, NCHW, centred in -1 padding', () => {
  fc.assert(fc.property(rawArb, ({ n, h, w, c, extra, pixels, labels }) => {
    const dims = c === 0 ? [n, h, w] : [n, h, w, c]; // c = 0: the 3-D form, one channel
    const side = Math.max(h, w) + extra;
    const r = fromIdx({ dims, data: pixels }, { dims: [n], data: labels }, { padTo: side });
    assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
    const ds = r.right;
    const ch = Math.max(c, 1);
    assert.deepEqual([ds.count, ds.channels, ds.height, ds.width], [n, ch, side, side]);
    assert.deepEqual(Array.from(ds.labels), Array.from(labels));
    const top = (side - h) >> 1;
    const left = (side - w) >> 1;
    let inside = 0;
    for (let i = 0; i < n; i++) {
      const im = imageAt(ds, i);
      for (let k = 0; k < ch; k++) for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
        const v = im[(k * side + y) * side + x]!;
        const iy = y - top;
        const ix = x - left;
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
          inside++;
          assert.equal(v, Math.fround(pixels[((i * h + iy) * w + ix) * ch + k]! / 127.5 - 1));
        } else assert.equal(v, -1);
      }
    }
    assert.equal(inside, pixels.length);
    assert.ok(ds.images.every((v) => v >= -1 && v <= 1));
  }));
});

test('fromIdxBytes and makeDataset refuse inconsistent data, listing the problems', async () => {
  const images = encodeIdx({ dims: [2, 2, 2], data: new Uint8Array(8) });
  const r = await fromIdxBytes(images, encodeIdx({ dims: [3], data: Uint8Array.of(0, 1, 2) }));
  assert.ok(E.isLeft(r));
  assert.match(r.left.message, /labels has 3 entries for 2 images/);
  const bad = makeDataset({ images: new Float32Array(3), labels: Int32Array.of(0, 5), count: 2, channels: 1, height: 1, width: 1, classes: ['a', 'b'] });
  assert.ok(E.isLeft(bad));
  assert.equal(bad.left.problems.length, 2);
  assert.match(bad.left.message, /label 5 of image 1 is outside 0..1/);
  const small = fromIdx({ dims: [1, 4, 4], data: new Uint8Array(16) }, { dims: [1], data: new Uint8Array(1) }, { padTo: 3 });
  assert.ok(E.isLeft(small));
  assert.match(small.left.message, /padTo 3 must be an integer no smaller than the 4x4 images/);
});

test('subsetDataset takes the chosen images and labels in order', () => {
  const ds = fromIdx({ dims: [3, 1, 2], data: Uint8Array.of(0, 1, 2, 3, 4, 5) }, { dims: [3], data: Uint8Array.of(0, 1, 2) });
  assert.ok(E.isRight(ds));
  const sub = subsetDataset(ds.right, [2, 0]);
  assert.equal(sub.count, 2);
  assert.deepEqual(Array.from(sub.labels), [2, 0]);
  assert.deepEqual(Array.from(sub.images), [4, 5, 0, 1].map((b) => Math.fround(b / 127.5 - 1)));
  assert.ok(Object.isFrozen(sub));
  assert.throws(() => subsetDataset(ds.right, [3]), /index 3 is outside 0..2/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { decodePng, encodePng, type Channels, type FilterType, type PngImage } from '../../src/io/png.ts';

const imageArb: fc.Arbitrary<PngImage> = fc.record({
  width: fc.integer({ min: 1, max: 12 }),
  height: fc.integer({ min: 1, max: 12 }),
  channels: fc.constantFrom<Channels>(1, 2, 3, 4),
  seed: fc.nat(),
  smooth: fc.boolean(),
}).map(({ width, height, channels, seed, smooth }) => {
  // noise, or a smooth ramp (what real images look like, and what the predictors are for)
  const data = Uint8Array.from({ length: width * height * channels }, (_, i) =>
    smooth ? (i * 7 + seed) & 255 : Math.imul(i + 1, 2654435761 + seed) >>> 24);
  return { width, height, channels, data };
});
const filterArb = fc.constantFrom<FilterType | 'adaptive'>(0, 1, 2, 3, 4, 'adaptive');

test('decode(encode(image)) is the image, for every channel count and filter type', async () => {
  await fc.assert(fc.asyncProperty(imageArb, filterArb, async (image, filter) => {
    const decoded = await decodePng(await encodePng(image, { filter }));
    assert.ok(E.isRight(decoded), E.isLeft(decoded) ? decoded.left.message : '');
    assert.deepEqual({ ...decoded.right, data: Array.from(decoded.right.data) }, { ...image, data: Array.from(image.data) });
  }), { numRuns: 100 });
});

test('every truncation of a valid PNG is refused, with a message', async () => {
  await fc.assert(fc.asyncProperty(imageArb, async (image) => {
    const bytes = await encodePng(image);
    for (let len = 0; len < bytes.length; len++) {
      const r = await decodePng(bytes.subarray(0, len));
      assert.ok(E.isLeft(r), `a ${len}-byte prefix of ${bytes.length} bytes was accepted`);
      assert.ok(r.left.message.length > 0);
    }
  }), { numRuns: 10 });
});

test('changed bytes are refused (CRC) or decode to a consistent image; nothing throws', async () => {
  await fc.assert(fc.asyncProperty(imageArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
    async (image, flips) => {
      const bad = (await encodePng(image)).slice();
      for (const [at, x] of flips) bad[at % bad.length] ^= x;
      const r = await decodePng(bad);
      if (E.isRight(r)) assert.equal(r.right.data.length, r.right.width * r.right.height * r.right.channels);
    }), { numRuns: 200 });
});

test('a changed byte inside a chunk fails its CRC check', async () => {
  await fc.assert(fc.asyncProperty(imageArb, fc.nat(), async (image, pick) => {
    const bytes = (await encodePng(image)).slice();
    const idatData = 8 + 25 + 8; // signature, IHDR chunk, then IDAT's length and type
    bytes[idatData + (pick % 4)] ^= 0x10;
    const r = await decodePng(bytes);
    assert.ok(E.isLeft(r));
    assert.match(r.left.message, /IDAT at byte 33 fails its CRC check/);
  }), { numRuns: 20 });
});

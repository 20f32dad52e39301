import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { decodePng, encodePng, type Channels } from '../../src/io/png.ts';

/**
 * Round trips cannot see a bug the writer and the reader share (a Paeth tie broken the wrong
 * way, a wrong CRC polynomial). Here the other side is independent: PNGs built from the
 * specification (RFC 2083) with node:zlib's deflate and CRC-32, and our files' CRCs checked
 * against node:zlib's.
 */

/** The Paeth predictor as RFC 2083 6.6 writes it: ties go to a, then b. */
const paethSpec = (a: number, b: number, c: number): number => {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  if (pa <= pb && pa <= pc) return a;
  if (pb <= pc) return b;
  return c;
};

const chunk = (type: string, data: Uint8Array): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
};

const colourType: Record<Channels, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/** An 8-bit PNG whose every row uses filter `f` (0..4), written by the book. */
const specPng = (width: number, height: number, channels: Channels, data: Uint8Array, f: number): Uint8Array => {
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const at = (yy: number, xx: number) => (yy < 0 || xx < 0 ? 0 : data[yy * stride + xx]);
      const [a, b, c] = [at(y, x - channels), at(y - 1, x), at(y - 1, x - channels)];
      const pred = [0, a, b, Math.floor((a + b) / 2), paethSpec(a, b, c)][f];
      raw[y * (stride + 1) + 1 + x] = (data[y * stride + x] - pred) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType[channels];
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
};

// few distinct values, so the Paeth distances tie often (e.g. a = 5, b = 15, c = 10)
const imageArb = fc.record({
  width: fc.integer({ min: 1, max: 10 }), height: fc.integer({ min: 1, max: 10 }), channels: fc.constantFrom<Channels>(1, 2, 3, 4),
  values: fc.array(fc.constantFrom(0, 5, 10, 15, 250), { minLength: 400, maxLength: 400 }),
}).map(({ width, height, channels, values }) => ({ width, height, channels, data: Uint8Array.from(values.slice(0, width * height * channels)) }));

test('PNGs written by the specification (every filter type, Paeth ties included) decode to their pixels', async () => {
  await fc.assert(fc.asyncProperty(imageArb, fc.integer({ min: 0, max: 4 }), async (img, f) => {
    const decoded = await decodePng(specPng(img.width, img.height, img.channels, img.data, f));
    assert.ok(E.isRight(decoded), E.isLeft(decoded) ? decoded.left.message : '');
    assert.deepEqual(Array.from(decoded.right.data), Array.from(img.data), `filter ${f}`);
  }), { numRuns: 100 });
});

test('every chunk our encoder writes carries the CRC-32 node:zlib computes', async () => {
  await fc.assert(fc.asyncProperty(imageArb, async (img) => {
    const bytes = Buffer.from(await encodePng(img, { filter: 'adaptive' }));
    let at = 8;
    while (at < bytes.length) {
      const len = bytes.readUInt32BE(at);
      const want = crc32(bytes.subarray(at + 4, at + 8 + len)) >>> 0;
      assert.equal(bytes.readUInt32BE(at + 8 + len), want, `chunk ${bytes.subarray(at + 4, at + 8).toString('latin1')}`);
      at += 12 + len;
    }
    assert.equal(at, bytes.length);
  }), { numRuns: 30 });
});

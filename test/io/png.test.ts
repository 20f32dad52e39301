import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { decodePng, encodePng, PngError, type PngImage } from '../../src/io/png.ts';
import { writeChunks } from '../../src/io/png-chunks.ts';
import { compress } from '../../src/io/streams.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const decodeOk = async (bytes: Uint8Array): Promise<PngImage> => {
  const r = await decodePng(bytes);
  assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
  return r.right;
};
const image = (width: number, height: number, pixel: (x: number, y: number) => number[]) =>
  ({ width, height, data: Array.from({ length: height }, (_, y) => Array.from({ length: width }, (_, x) => pixel(x, y))).flat(2) });
const assertPixels = (got: PngImage, channels: number, want: ReturnType<typeof image>) =>
  assert.deepEqual({ width: got.width, height: got.height, channels: got.channels, data: Array.from(got.data) }, { ...want, channels });

// Written by make-png-fixtures.py (Python's zlib, filters from the spec; two IDAT chunks each).
test('decodes PNGs from another encoder: every colour type, bit depth and filter type', async () => {
  assertPixels(await decodeOk(fixture('grey8-filters.png')), 1, image(16, 10, (x, y) => [(x * 17 + y * 29) & 255]));
  assertPixels(await decodeOk(fixture('grey-alpha8.png')), 2, image(7, 5, (x, y) => [(x * 40 + y * 3) & 255, (255 - x * 30 - y) & 255]));
  assertPixels(await decodeOk(fixture('rgba8.png')), 4, image(9, 6, (x, y) => [x * 28, y * 40, (x * y * 7) & 255, ((x + y) * 20) & 255]));
  assertPixels(await decodeOk(fixture('rgb16.png')), 3,
    image(5, 4, (x, y) => [0, 1, 2].map((c) => Math.round(((x * 13000 + y * 5000 + c * 777) & 0xffff) / 257))));
  assertPixels(await decodeOk(fixture('palette4-trns.png')), 4, image(10, 6, (x, y) => {
    const i = (x + 2 * y) % 12;
    return [i * 20, 255 - i * 20, (i * 37) & 255, i < 5 ? (i * 60) & 255 : 255];
  }));
  assertPixels(await decodeOk(fixture('palette8.png')), 3, image(6, 3, (x, y) => {
    const i = (x * 31 + y * 67) % 200;
    return [i, (i * 3) & 255, 255 - i];
  }));
  assertPixels(await decodeOk(fixture('grey1.png')), 1, image(13, 3, (x, y) => [(x + y) % 3 === 0 ? 255 : 0]));
  assertPixels(await decodeOk(fixture('grey2.png')), 1, image(11, 2, (x, y) => [((x + y) % 4) * 85]));
});

// A Chromium screenshot (Skia's encoder) of chromium-canvas.html, whose canvas draws these pixels;
// Skia chose filters Sub, Up and Paeth and split the data over two IDAT chunks.
test('decodes a PNG written by Chromium', async () => {
  assertPixels(await decodeOk(fixture('chromium-canvas.png')), 3, image(48, 40, (x, y) => {
    const band = Math.floor(y / 8);
    if (band === 0) return [x * 5, y * 6, 128];
    if (band === 1) return [(x * 37 + y * 11) & 255, (x * x + y * 3) & 255, ((x ^ y) * 4) & 255];
    if (band === 2) return Array(3).fill(x < 24 ? 200 : 30);
    if (band === 3) return [(x * x * y) & 255, (y * y * 17 + x) & 255, (x * 53) & 255];
    return [255 - x * 5, x * 5, (y * 31) & 255];
  }));
});

const refusal = async (bytes: Uint8Array): Promise<string> => {
  const r = await decodePng(bytes);
  assert.ok(E.isLeft(r), 'expected a refusal');
  assert.ok(r.left instanceof PngError);
  return r.left.message;
};
const ihdr = (w: number, h: number, depth: number, colour: number, interlace = 0) => {
  const d = new Uint8Array(13);
  new DataView(d.buffer).setUint32(0, w);
  new DataView(d.buffer).setUint32(4, h);
  d.set([depth, colour, 0, 0, interlace], 8);
  return { type: 'IHDR', data: d };
};
const png = async (...chunks: { type: string; data: Uint8Array }[]) => writeChunks([...chunks, { type: 'IEND', data: new Uint8Array(0) }]);
const idat = async (raw: number[]) => ({ type: 'IDAT', data: await compress(Uint8Array.from(raw), 'deflate') });

test('unsupported or damaged files are refused with a message saying why', async () => {
  assert.match(await refusal(fixture('interlaced.png')), /interlaced \(Adam7\).*save it again without interlacing/);
  assert.match(await refusal(new TextEncoder().encode('GIF89a......')), /PNG signature.*not a PNG file/);
  assert.match(await refusal(await png(ihdr(2, 1, 8, 3), await idat([0, 0, 1]))), /palette image without a PLTE chunk/);
  assert.match(await refusal(await png(ihdr(2, 1, 8, 3), { type: 'PLTE', data: new Uint8Array(3) }, await idat([0, 0, 1]))),
    /pixel 1 uses palette entry 1, but the palette has 1/);
  assert.match(await refusal(await png(ihdr(2, 1, 3, 0), await idat([0, 0]))), /bit depth 3 is not allowed with colour type 0/);
  assert.match(await refusal(await png(ihdr(2, 1, 8, 0), await idat([5, 0, 0]))), /row 0 has filter type 5/);
  assert.match(await refusal(await png(ihdr(2, 2, 8, 0), await idat([0, 1, 2]))), /image data is 3 bytes, but a 2x2 image needs 6: the file is truncated/);
  assert.match(await refusal(await png(ihdr(1, 1, 8, 0), { type: 'ABCD', data: new Uint8Array(0) }, await idat([0, 0]))), /critical chunk ABCD/);
  assert.match(await refusal(await png(ihdr(1, 1, 8, 0))), /no IDAT/);
  assert.match(await refusal(await png(ihdr(100000, 100000, 8, 0), await idat([0]))), /more than the 67108864 pixels allowed/);
  assert.match(await refusal(await png(ihdr(1, 1, 8, 0), { type: 'IDAT', data: Uint8Array.of(1, 2, 3) })), /does not inflate/);
  await assert.rejects(encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) }), /has 12 samples, data has 5/);
});

test('ancillary chunks are skipped and images of every size round-trip', async () => {
  const im: PngImage = { width: 1, height: 1, channels: 4, data: Uint8Array.of(1, 2, 3, 4) };
  const withText = await png(ihdr(1, 1, 8, 6), { type: 'tEXt', data: new TextEncoder().encode('a\0b') }, await idat([0, 1, 2, 3, 4]));
  assert.deepEqual(Array.from((await decodeOk(withText)).data), [1, 2, 3, 4]);
  const wide: PngImage = { width: 300, height: 2, channels: 3, data: Uint8Array.from({ length: 1800 }, (_, i) => i % 251) };
  assert.deepEqual(Array.from((await decodeOk(await encodePng(wide))).data), Array.from(wide.data));
  assert.deepEqual(Array.from((await decodeOk(await encodePng(im))).data), [1, 2, 3, 4]);
});

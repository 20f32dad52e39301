import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { imageGrid, imagesOfBatch, toByte, type FloatImage } from '../../src/io/image-grid.ts';

const imageArb = (width: number, height: number, channels: 1 | 3): fc.Arbitrary<FloatImage> =>
  fc.float32Array({ minLength: width * height * channels, maxLength: width * height * channels, min: -1.5, max: 1.5, noNaN: true, noDefaultInfinity: true })
    .map((data) => ({ width, height, channels, data }));
const setArb = fc.record({ w: fc.integer({ min: 1, max: 6 }), h: fc.integer({ min: 1, max: 6 }), c: fc.constantFrom<1 | 3>(1, 3), n: fc.integer({ min: 1, max: 7 }) })
  .chain(({ w, h, c, n }) => fc.array(imageArb(w, h, c), { minLength: n, maxLength: n }));
const layoutArb = fc.record({ columns: fc.integer({ min: 1, max: 4 }), pad: fc.integer({ min: 0, max: 3 }), scale: fc.integer({ min: 1, max: 3 }), background: fc.integer({ min: 0, max: 255 }) });

test('toByte clamps to [-1, 1] and maps it onto 0..255 by round((x + 1) * 127.5)', () => {
  assert.deepEqual([-1, 0, 1, -7, 7, NaN].map(toByte), [0, 128, 255, 0, 255, 0]);
  fc.assert(fc.property(fc.float({ noNaN: true }), fc.float({ noNaN: true }), (a, b) => {
    const [x, y] = a <= b ? [a, b] : [b, a];
    assert.ok(toByte(x) <= toByte(y), 'monotone');
    assert.ok(Number.isInteger(toByte(x)) && toByte(x) >= 0 && toByte(x) <= 255);
    if (x >= -1 && x <= 1) assert.equal(toByte(x), Math.round((x + 1) * 127.5));
  }));
});

test('every image lands in its cell, each pixel a scale x scale block, with background padding between', () => {
  fc.assert(fc.property(setArb, layoutArb, (images, { columns, pad, scale, background }) => {
    const grid = imageGrid(images, columns, { pad, scale, background, upscale: 'nearest' });
    const { width: w, height: h, channels: c } = images[0]!;
    const cols = Math.min(columns, images.length);
    const rows = Math.ceil(images.length / cols);
    assert.equal(grid.channels, c);
    assert.equal(grid.width, cols * w * scale + (cols + 1) * pad);
    assert.equal(grid.height, rows * h * scale + (rows + 1) * pad);
    assert.equal(grid.data.length, grid.width * grid.height * c);
    const at = (x: number, y: number, ch: number) => grid.data[(y * grid.width + x) * c + ch];
    images.forEach((im, i) => {
      const left = pad + (i % cols) * (w * scale + pad);
      const top = pad + Math.floor(i / cols) * (h * scale + pad);
      for (let y = 0; y < h * scale; y++) for (let x = 0; x < w * scale; x++) for (let ch = 0; ch < c; ch++) {
        const src = im.data[(ch * h + Math.floor(y / scale)) * w + Math.floor(x / scale)]!;
        assert.equal(at(left + x, top + y, ch), toByte(src));
      }
    });
    if (pad > 0) for (let ch = 0; ch < c; ch++) assert.equal(at(0, 0, ch), background);
    const used = images.length * w * h * scale * scale * c;
    const bg = grid.data.reduce((n, v) => n + (v === background ? 1 : 0), 0);
    assert.ok(bg >= grid.data.length - used, 'everything outside the cells is background');
  }));
});

test('smaller images are upscaled to fill their cell; grey joins RGB as three equal channels', () => {
  const big: FloatImage = { width: 4, height: 4, channels: 3, data: new Float32Array(48).fill(1) };
  const small: FloatImage = { width: 2, height: 2, channels: 1, data: Float32Array.of(-1, 0, 0.5, 1) };
  const grid = imageGrid([big, small], 2, { pad: 0 });
  assert.equal(grid.channels, 3);
  assert.equal(grid.width, 8);
  const px = (x: number, y: number) => Array.from(grid.data.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
  assert.deepEqual(px(4, 0), [0, 0, 0]);
  assert.deepEqual(px(5, 1), [0, 0, 0]);
  assert.deepEqual(px(6, 0), [128, 128, 128]);
  assert.deepEqual(px(4, 2), [191, 191, 191]);
  assert.deepEqual(px(7, 3), [255, 255, 255]);
});

test('imagesOfBatch cuts an NCHW batch into CHW images without copying', () => {
  const data = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i / 24);
  const ims = imagesOfBatch({ data, shape: [2, 3, 2, 2], dtype: 'float32' });
  assert.equal(ims.length, 2);
  assert.equal(ims[1]!.data[0], 12 / 24);
  assert.equal(ims[1]!.data.buffer, data.buffer);
  assert.throws(() => imagesOfBatch({ data: new Float32Array(8), shape: [2, 4], dtype: 'float32' }), /expected a float32 \[N, 1 or 3, H, W\]/);
});

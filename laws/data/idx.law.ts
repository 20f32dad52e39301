import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { decodeIdx, encodeIdx, parseIdx, type Idx } from '../../src/data/idx.ts';
import { compress } from '../../src/io/streams.ts';

const dimsArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 });
const n = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const idxArb: fc.Arbitrary<Idx> = fc.oneof(
  dimsArb.chain((dims) => fc.uint8Array({ minLength: n(dims), maxLength: n(dims) }).map((data) => ({ dims, data }))),
  dimsArb.chain((dims) => fc.array(fc.integer({ min: -128, max: 127 }), { minLength: n(dims), maxLength: n(dims) }).map((v) => ({ dims, data: Int8Array.from(v) }))),
  dimsArb.chain((dims) => fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: n(dims), maxLength: n(dims) }).map((v) => ({ dims, data: Int16Array.from(v) }))),
  dimsArb.chain((dims) => fc.int32Array({ minLength: n(dims), maxLength: n(dims) }).map((data) => ({ dims, data }))),
  dimsArb.chain((dims) => fc.float32Array({ minLength: n(dims), maxLength: n(dims), noNaN: true }).map((data) => ({ dims, data }))),
  dimsArb.chain((dims) => fc.float64Array({ minLength: n(dims), maxLength: n(dims), noNaN: true }).map((data) => ({ dims, data }))),
);

const same = (got: Idx, want: Idx) => {
  assert.deepEqual(got.dims, want.dims);
  assert.equal(got.data.constructor, want.data.constructor);
  assert.deepEqual(Array.from(got.data), Array.from(want.data));
};

test('parseIdx(encodeIdx(x)) is x, for every IDX type', () => {
  fc.assert(fc.property(idxArb, (idx) => {
    const r = parseIdx(encodeIdx(idx));
    assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
    same(r.right, idx);
  }), { numRuns: 200 });
});

test('decodeIdx reads gzip-compressed and plain IDX alike', async () => {
  await fc.assert(fc.asyncProperty(idxArb, async (idx) => {
    const plain = encodeIdx(idx);
    for (const bytes of [plain, await compress(plain, 'gzip')]) {
      const r = await decodeIdx(bytes);
      assert.ok(E.isRight(r));
      same(r.right, idx);
    }
  }), { numRuns: 30 });
});

test('every truncation, and any extra trailing byte, is refused', () => {
  fc.assert(fc.property(idxArb, fc.integer({ min: 1, max: 8 }), (idx, extra) => {
    const bytes = encodeIdx(idx);
    for (let len = 0; len < bytes.length; len++) assert.ok(E.isLeft(parseIdx(bytes.subarray(0, len))), `prefix ${len} of ${bytes.length}`);
    const longer = new Uint8Array(bytes.length + extra);
    longer.set(bytes);
    assert.ok(E.isLeft(parseIdx(longer)));
  }), { numRuns: 50 });
});

test('random bytes never make the parser throw', async () => {
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 40 }), async (bytes) => {
    parseIdx(bytes);
    await decodeIdx(Uint8Array.of(0x1f, 0x8b, ...bytes));
  }), { numRuns: 100 });
});

test('malformed headers get messages naming the problem', async () => {
  const msg = (bytes: number[]) => { const r = parseIdx(Uint8Array.from(bytes)); assert.ok(E.isLeft(r)); return r.left.message; };
  assert.match(msg([1, 0, 8, 1]), /IDX magic 00 00/);
  assert.match(msg([0, 0, 7, 1]), /unknown IDX type code 0x07/);
  assert.match(msg([0, 0, 8, 2, 0, 0, 0, 2]), /declares 2 dimensions/);
  assert.match(msg([0, 0, 12, 1, 0, 0, 0, 2, 0, 0, 0, 1]), /\[2\] of i32 need 8 bytes of data, but the file has 4: it is truncated/);
  assert.match(msg([0x1f, 0x8b, 8, 0]), /still gzip-compressed/);
  const r = await decodeIdx(Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2));
  assert.ok(E.isLeft(r));
  assert.match(r.left.message, /gzip data does not decompress/);
});

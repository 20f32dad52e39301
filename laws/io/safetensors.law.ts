import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader, type Safetensors, type StoredTensor } from '../../src/io/safetensors.ts';
import { floatToHalf, halfToFloat } from '../../src/io/half.ts';

const dims = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

const tensorArb: fc.Arbitrary<StoredTensor> = fc.oneof(
  dims.chain((shape) => fc.float32Array({ minLength: count(shape), maxLength: count(shape) }).map((data) => ({ data, shape, dtype: 'float32' as const }))),
  dims.chain((shape) => fc.int32Array({ minLength: count(shape), maxLength: count(shape) }).map((data) => ({ data, shape, dtype: 'int32' as const }))),
  dims.chain((shape) => fc.uint8Array({ minLength: count(shape), maxLength: count(shape) }).map((data) => ({ data, shape, dtype: 'uint8' as const }))),
  dims.chain((shape) => fc.uint8Array({ minLength: count(shape), maxLength: count(shape), max: 1 }).map((data) => ({ data, shape, dtype: 'bool' as const }))),
);
const nameArb = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }), fc.constantFrom('a.b', '__proto__', 'constructor', 'x"y\\z\n'))
  .filter((n) => n !== '__metadata__');
const tensorsArb = fc.dictionary(nameArb, tensorArb, { maxKeys: 5 });
const metadataArb = fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 10 }), { maxKeys: 3 });

const bytesOf = (t: StoredTensor) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));

const assertSame = (got: Safetensors, tensors: Record<string, StoredTensor>, metadata: Record<string, string>) => {
  assert.deepEqual(Object.keys(got.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    const g = got.tensors[name]!;
    assert.equal(g.dtype, t.dtype, name);
    assert.deepEqual([...g.shape], [...t.shape], name);
    assert.deepEqual(bytesOf(g), bytesOf(t), name); // bit-exact, NaN payloads and -0 included
    assert.equal(g.data.byteOffset % 4, 0, 'copied out aligned');
  }
  assert.deepEqual({ ...got.metadata }, { ...metadata });
};

test('decode(encode(tensors, metadata)) gives back the same tensors and metadata', () => {
  fc.assert(fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
    const bytes = encodeSafetensors(tensors, metadata);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0, 'the header is padded to 8 bytes');
    const decoded = decodeSafetensors(bytes);
    assert.ok(E.isRight(decoded), E.isLeft(decoded) ? decoded.left.message : '');
    assertSame(decoded.right, tensors, metadata);
    assert.deepEqual(encodeSafetensors(decoded.right.tensors, decoded.right.metadata), bytes, 'encoding is canonical');
  }));
});

test('decoding a Node Buffer (whose slice is a view) gives the same tensors as decoding a plain Uint8Array', () => {
  fc.assert(fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
    const bytes = encodeSafetensors(tensors, metadata);
    const decoded = decodeSafetensors(Buffer.from(bytes));
    assert.ok(E.isRight(decoded), E.isLeft(decoded) ? decoded.left.message : '');
    assertSame(decoded.right, tensors, metadata);
  }));
});

test('every truncation of a valid file is refused, with a message', () => {
  fc.assert(fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
    const bytes = encodeSafetensors(tensors, metadata);
    for (let len = 0; len < bytes.length; len++) {
      const r = decodeSafetensors(bytes.subarray(0, len));
      assert.ok(E.isLeft(r), `a ${len}-byte prefix of ${bytes.length} bytes was accepted`);
      assert.ok(r.left.problems.length > 0 && r.left.message.length > 0);
    }
  }), { numRuns: 20 });
});

test('trailing bytes after the data are refused', () => {
  fc.assert(fc.property(tensorsArb, fc.uint8Array({ minLength: 1, maxLength: 9 }), (tensors, extra) => {
    const bytes = encodeSafetensors(tensors);
    const longer = new Uint8Array(bytes.length + extra.length);
    longer.set(bytes);
    longer.set(extra, bytes.length);
    assert.ok(E.isLeft(decodeSafetensors(longer)));
  }));
});

test('a file with header bytes changed is refused or decodes to a consistent result', () => {
  fc.assert(fc.property(tensorsArb, metadataArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
    (tensors, metadata, flips) => {
      const bytes = encodeSafetensors(tensors, metadata);
      const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const bad = bytes.slice();
      for (const [at, x] of flips) bad[at % headerEnd] ^= x;
      const r = decodeSafetensors(bad);
      if (E.isLeft(r)) return;
      for (const t of Object.values(r.right.tensors)) assert.equal(t.data.length, count([...t.shape]));
      const again = decodeSafetensors(encodeSafetensors(r.right.tensors, r.right.metadata));
      assert.ok(E.isRight(again));
      assertSame(again.right, r.right.tensors, r.right.metadata);
    }), { numRuns: 300 });
});

const withHeader = (header: Uint8Array, data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
};

test('random bytes behind a fitting header length never make the decoder throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), fc.uint8Array({ maxLength: 16 }), (header, data) => {
    assert.ok(E.isLeft(decodeSafetensors(withHeader(header, data))) || header[0] === 0x7b);
  }), { numRuns: 200 });
});

// Headers that are plausible JSON with wrong parts: refused, or consistent when they happen to fit.
const entryArb = fc.record({
  dtype: fc.oneof(fc.constantFrom('F32', 'I32', 'U8', 'BOOL', 'F16', 'I64', 'toString'), fc.integer()),
  shape: fc.array(fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constant(0.5), fc.constant(2 ** 60)), { maxLength: 3 }),
  data_offsets: fc.array(fc.integer({ min: -1, max: 20 }), { minLength: 1, maxLength: 3 }),
}, { requiredKeys: [] });
const headerArb = fc.dictionary(fc.constantFrom('a', 'b', 'c', '__metadata__', '__proto__'), fc.oneof(entryArb, fc.jsonValue({ maxDepth: 1 })), { maxKeys: 3 });

test('plausible but wrong JSON headers are refused or decode consistently', () => {
  fc.assert(fc.property(headerArb, fc.uint8Array({ maxLength: 24 }), (header, data) => {
    const r = decodeSafetensors(withHeader(new TextEncoder().encode(JSON.stringify(header)), data));
    if (E.isLeft(r)) return;
    const used = Object.values(r.right.tensors).reduce((n, t) => n + t.data.byteLength, 0);
    assert.equal(used, data.length, 'tensors cover the data exactly');
    for (const t of Object.values(r.right.tensors)) assert.equal(t.data.length, count([...t.shape]));
  }), { numRuns: 500 });
});

test('with floats F16, float tensors are stored as F16 and decode to their float16 rounding; other dtypes are unchanged', () => {
  const inRange = fc.dictionary(nameArb, tensorArb.map((t) => (t.dtype === 'float32' ? { ...t, data: (t.data as Float32Array).map((v) => (Number.isFinite(v) ? Math.max(-6e4, Math.min(6e4, v)) : v)) } : t)), { maxKeys: 5 });
  fc.assert(fc.property(inRange, metadataArb, (tensors, metadata) => {
    const bytes = encodeSafetensors(tensors, metadata, { floats: 'F16' });
    const header = readSafetensorsHeader(bytes);
    assert.ok(E.isRight(header), E.isLeft(header) ? header.left.message : '');
    const floatBytes = Object.values(tensors).filter((t) => t.dtype === 'float32').reduce((n, t) => n + 2 * t.data.length, 0);
    const otherBytes = Object.values(tensors).filter((t) => t.dtype !== 'float32').reduce((n, t) => n + t.data.byteLength, 0);
    assert.equal(header.right.dataBytes, floatBytes + otherBytes, 'float16 takes two bytes per value');
    assert.equal(header.right.decodedBytes, 2 * floatBytes + otherBytes);
    const decoded = decodeSafetensors(bytes);
    assert.ok(E.isRight(decoded), E.isLeft(decoded) ? decoded.left.message : '');
    const rounded = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.dtype === 'float32'
      ? { ...t, data: (t.data as Float32Array).map((v) => halfToFloat(floatToHalf(v))) } : t]));
    // NaN payloads are not kept by float16: compare NaN as NaN
    const canon = (ts: Record<string, StoredTensor>) => Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, t.dtype === 'float32' ? { ...t, data: (t.data as Float32Array).map((v) => (Number.isNaN(v) ? NaN : v)) } : t]));
    assertSame({ ...decoded.right, tensors: canon(decoded.right.tensors as Record<string, StoredTensor>) }, canon(rounded), metadata);
  }));
});

test('a float beyond float16\'s range is refused when storing F16, naming the tensor', () => {
  const bytes = () => encodeSafetensors({ w: { data: Float32Array.of(1, 70000), shape: [2], dtype: 'float32' } }, {}, { floats: 'F16' });
  assert.throws(bytes, /tensor 'w': value 70000 at element 1 is beyond float16's range/);
});

test('BF16 tensors (as PyTorch checkpoints converted to safetensors hold them) decode to float32', () => {
  const values = [1, -2.5, 3.140625, 0, -0, Infinity];
  const json = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'BF16', shape: [2, 3], data_offsets: [0, 12] } }));
  const n = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + n + 12).fill(0x20, 8, 8 + n);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, n, true);
  bytes.set(json, 8);
  const f = new DataView(new ArrayBuffer(4));
  values.forEach((v, i) => { f.setFloat32(0, v); view.setUint16(8 + n + 2 * i, f.getUint32(0) >>> 16, true); });
  const decoded = decodeSafetensors(bytes);
  assert.ok(E.isRight(decoded), E.isLeft(decoded) ? decoded.left.message : '');
  const w = decoded.right.tensors.w!;
  assert.equal(w.dtype, 'float32');
  assert.deepEqual([...w.shape], [2, 3]);
  assert.deepEqual(Array.from(w.data), values);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { checkTensors, decodeSafetensors, encodeSafetensors, SafetensorsError, tryEncodeSafetensors } from '../../src/io/safetensors.ts';

const f32 = (data: number[], shape: number[]) => ({ data: Float32Array.from(data), shape, dtype: 'float32' as const });
const ascii = (s: string) => new TextEncoder().encode(s);
/** A file from a header text and data bytes (header padded like the reference writer pads it). */
const file = (header: string, data: number[] = []) => {
  const json = ascii(header.padEnd(Math.ceil(header.length / 8) * 8, ' '));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
};
const problemsOf = (bytes: Uint8Array): string => {
  const r = decodeSafetensors(bytes);
  assert.ok(E.isLeft(r), 'expected the file to be refused');
  assert.ok(r.left instanceof SafetensorsError);
  return r.left.message;
};

// Byte vectors from the reference implementation's own tests (huggingface/safetensors, tensor.rs),
// which its Python package wraps: matching them byte for byte means Python reads our files.
test('encoding matches the reference writer byte for byte', () => {
  const attn = [64, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'),
    0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64];
  assert.deepEqual(Array.from(encodeSafetensors({ 'attn.0': f32([0, 1, 2, 3, 4, 5], [1, 2, 3]) })), attn);
  const padded = encodeSafetensors({ attn0: f32([0, 1, 2, 3, 4, 5], [1, 1, 2, 3]) });
  assert.deepEqual(Array.from(padded.subarray(0, 8)), [72, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(padded.subarray(73, 80)), [32, 32, 32, 32, 32, 32, 32], 'padded with spaces');
  assert.deepEqual(Array.from(encodeSafetensors({})), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual(Array.from(encodeSafetensors({}, { framework: 'pt' })),
    [40, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"__metadata__":{"framework":"pt"}}'), 32, 32, 32, 32, 32]);
});

test('tensors are laid out by descending dtype alignment, then name, as the reference writer does', () => {
  const bytes = encodeSafetensors({
    z: f32([1], [1]), flag: { data: Uint8Array.of(1), shape: [1], dtype: 'bool' }, a: f32([2], [1]),
    ids: { data: Int32Array.of(7), shape: [1], dtype: 'int32' }, raw: { data: Uint8Array.of(9), shape: [], dtype: 'uint8' },
  });
  const n = new DataView(bytes.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
  assert.deepEqual(Object.keys(header), ['a', 'z', 'ids', 'raw', 'flag']);
  assert.deepEqual(Object.values(header).map((h) => h.data_offsets), [[0, 4], [4, 8], [8, 12], [12, 13], [13, 14]]);
});

test('corrupt headers are refused with a message naming the problem', () => {
  assert.match(problemsOf(Uint8Array.of(1, 2, 3)), /3 bytes, too short/);
  assert.match(problemsOf(Uint8Array.of(255, 255, 255, 255, 255, 255, 255, 255, 0)), /header length .* runs past the end of the file \(9 bytes\)/);
  assert.match(problemsOf(file('{"a":')), /not valid JSON/);
  assert.match(problemsOf(file('[1]')), /does not start with '\{'/);
  assert.match(problemsOf(file('{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', [0])), /tensor 'a': unknown dtype "F8_E4M3" \(this reader takes F32, F16, BF16, I32, U8, BOOL\)/);
  assert.match(problemsOf(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0])), /span 4 bytes, but F32 \[2\] needs 8/);
  assert.match(problemsOf(file('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', [0, 0, 0])),
    /tensor 'b': data_offsets \[1, 3\] overlap tensor 'a'/);
  assert.match(problemsOf(file('{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', [0, 0])), /leaving bytes 0..1 unused/);
  assert.match(problemsOf(file('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', [0, 0])), /run past the data section \(2 bytes\)/);
  assert.match(problemsOf(file('{"__metadata__":{"step":3}}')), /__metadata__ 'step': values must be strings/);
  assert.match(problemsOf(file('{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}')), /shape is not a list of non-negative integers/);
  const both = problemsOf(file('{"a":{"dtype":"X"},"b":{"dtype":"U8","shape":[1]}}'));
  assert.match(both, /2 problems/, 'every problem is listed, not just the first');
});

test('decoded typed arrays are aligned copies, independent of the input buffer', () => {
  const bytes = encodeSafetensors({ w: f32([1.5, -2], [2]), i: { data: Int32Array.of(-3), shape: [1], dtype: 'int32' } });
  const shifted = new Uint8Array(bytes.length + 1).subarray(1); // misaligned on purpose
  shifted.set(bytes);
  const r = decodeSafetensors(shifted);
  assert.ok(E.isRight(r));
  assert.deepEqual(Array.from(r.right.tensors['w']!.data), [1.5, -2]);
  assert.deepEqual(Array.from(r.right.tensors['i']!.data), [-3]);
  shifted.fill(0);
  assert.deepEqual(Array.from(r.right.tensors['w']!.data), [1.5, -2]);
});

test('checkTensors lists every missing, mis-shaped, mis-typed and unexpected tensor', () => {
  const decoded = decodeSafetensors(encodeSafetensors({ w: f32([1, 2], [2]), b: f32([0], [1]), extra: f32([0], [1]) }));
  assert.ok(E.isRight(decoded));
  const r = checkTensors(decoded.right, {
    w: { shape: [1, 2], dtype: 'float32' }, b: { shape: [1], dtype: 'int32' }, gone: { shape: [3], dtype: 'float32' }, toString: { shape: [], dtype: 'bool' as const },
  });
  assert.ok(E.isLeft(r));
  assert.deepEqual(r.left.problems, [
    "tensor 'w' is float32 [2], expected float32 [1, 2]",
    "tensor 'b' is float32 [1], expected int32 [1]",
    "missing tensor 'gone' (expected float32 [3])",
    "missing tensor 'toString' (expected bool [])",
    "unexpected tensor 'extra'",
  ]);
  assert.ok(E.isRight(checkTensors(decoded.right, { w: { shape: [2], dtype: 'float32' } }, { allowExtra: true })));
});

test('encoding refuses tensors whose data does not match their shape or dtype', () => {
  const r = tryEncodeSafetensors({ a: f32([1, 2, 3], [2]), b: { data: Float32Array.of(1), shape: [1], dtype: 'int32' }, __metadata__: f32([], [0]) });
  assert.ok(E.isLeft(r));
  assert.equal(r.left.problems.length, 3);
  assert.throws(() => encodeSafetensors({ a: f32([1], [2]) }), SafetensorsError);
});

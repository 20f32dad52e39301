import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { bytesSource, hostValues, openZip, readTorchCheckpoint, stateDictOf, unpickle, CheckpointError, type ByteSource } from '../../src/io/pytorch/index.ts';
import { decodeTorchSafetensors } from '../../src/detailflow/official/fixture-file.ts';
import { makeZip, pickleBytes, torchSaveFile } from '../helpers/torch-zip.ts';

const fixtures = path.resolve(import.meta.dirname, '../../../shared/reference/fixtures');
const read = (f: string) => new Uint8Array(readFileSync(path.join(fixtures, f)));

const refusal = <A>(r: E.Either<CheckpointError, A>): string => {
  assert.ok(E.isLeft(r), 'expected a refusal');
  assert.ok(r.left instanceof CheckpointError);
  return r.left.message;
};

/** A source that records every read, to show what was (not) read. */
const recording = (bytes: Uint8Array) => {
  const reads: [number, number][] = [];
  const inner = bytesSource(bytes);
  const src: ByteSource = { size: inner.size, read: (o, n) => { reads.push([o, n]); return inner.read(o, n); } };
  return { src, reads };
};

for (const [pt, st, key] of [['tok-tiny-p8.pt', 'tok-tiny-p8.safetensors', 'model'], ['ar-tiny-g4.pt', 'ar-tiny-g4.safetensors', 'ema']] as const) {
  test(`${pt} loads and equals ${st}'s weights bit for bit (key '${key}')`, () => {
    const ckpt = readTorchCheckpoint(bytesSource(read(pt)));
    assert.ok(E.isRight(ckpt), E.isLeft(ckpt) ? ckpt.left.message : '');
    const sd = stateDictOf(ckpt.right, key);
    assert.ok(E.isRight(sd), E.isLeft(sd) ? sd.left.message : '');
    const ref = decodeTorchSafetensors(read(st));
    assert.ok(E.isRight(ref));
    const weights = [...ref.right.tensors].filter(([k]) => !k.startsWith('fixture.'));
    assert.deepEqual([...sd.right.keys()], weights.map(([k]) => k), 'same keys in the same (state_dict) order');
    for (const [k, want] of weights) {
      const got = hostValues(sd.right.get(k)!, k);
      assert.ok(E.isRight(got), k);
      assert.deepEqual(got.right.shape, want.shape, k);
      assert.deepEqual(new Uint8Array(got.right.data.buffer), new Uint8Array(want.data.buffer, want.data.byteOffset, want.data.byteLength), `${k} bit for bit`);
    }
  });
}

test('storages are read lazily: a tensor never asked for is never read', () => {
  const big = new Float32Array(500_000).fill(3);
  const bytes = torchSaveFile({ model: { 'keep.w': { shape: [2], data: Float32Array.of(1, 2) }, 'repa_model.w': { shape: [500_000], data: big } } });
  const { src, reads } = recording(bytes);
  const ckpt = readTorchCheckpoint(src);
  assert.ok(E.isRight(ckpt));
  const sd = stateDictOf(ckpt.right, 'model');
  assert.ok(E.isRight(sd));
  const kept = hostValues(sd.right.get('keep.w')!, 'keep.w');
  assert.ok(E.isRight(kept));
  assert.deepEqual(Array.from(kept.right.data), [1, 2]);
  assert.deepEqual(sd.right.get('repa_model.w')!.shape, [500_000]);
  assert.ok(reads.every(([, n]) => n < 100_000), `no read covers the skipped storage: ${JSON.stringify(reads.filter(([, n]) => n >= 100_000))}`);
});

test('strided views, offsets and int64 storages are gathered as torch would', () => {
  const data = Float32Array.from({ length: 12 }, (_, i) => i);
  const bytes = torchSaveFile({ model: {
    t: { shape: [3, 2], stride: [1, 3], offset: 0, data }, // the transpose of a [2, 3] row-major block
    o: { shape: [2], offset: 10, data },
    n: { shape: [3], data: BigInt64Array.of(-5n, 0n, 2147483647n) },
  } });
  const sd = E.getOrElseW((e: Error) => { throw e; })(E.chain((c: Parameters<typeof stateDictOf>[0]) => stateDictOf(c, 'model'))(readTorchCheckpoint(bytesSource(bytes))));
  const vals = (k: string) => Array.from(E.getOrElseW(() => { throw new Error(k); })(hostValues(sd.get(k)!, k)).data);
  assert.deepEqual(vals('t'), [0, 3, 1, 4, 2, 5]);
  assert.deepEqual(vals('o'), [10, 11]);
  assert.deepEqual(vals('n'), [-5, 0, 2147483647]);
});

test('a missing key lists the keys found', () => {
  const ckpt = readTorchCheckpoint(bytesSource(read('tok-tiny-p8.pt')));
  assert.ok(E.isRight(ckpt));
  assert.match(refusal(stateDictOf(ckpt.right, 'ema')), /no 'ema' key; its keys are: model/);
});

test('a pickle naming os.system or builtins.eval is refused by name, never run', () => {
  // protocol 2: GLOBAL 'os system', ('touch /tmp/pwned',), REDUCE
  const system = pickleBytes(0x80, 2, 0x63, 'os\nsystem\n', 0x58, 16, 0, 0, 0, 'touch /tmp/pwned', 0x85, 0x52, 0x2e);
  assert.match(refusal(unpickle(system)), /global 'os\.system'/);
  // protocol 4: STACK_GLOBAL builtins.eval
  const evil = pickleBytes(0x80, 4, 0x8c, 8, 'builtins', 0x8c, 4, 'eval', 0x93, 0x8c, 6, '1 + 1', 0x85, 0x52, 0x2e);
  assert.match(refusal(unpickle(evil)), /global 'builtins\.eval'/);
  // posix.system hidden inside an otherwise valid checkpoint
  const inZip = makeZip([['archive/data.pkl', pickleBytes(0x80, 2, 0x63, 'posix\nsystem\n', 0x58, 2, 0, 0, 0, 'ls', 0x85, 0x52, 0x2e)]]);
  assert.match(refusal(readTorchCheckpoint(bytesSource(inZip))), /global 'posix\.system'/);
  // an allowed global applied to something it does not take
  assert.match(refusal(unpickle(pickleBytes(0x80, 2, 0x63, 'collections\nOrderedDict\n', 0x4b, 1, 0x85, 0x52, 0x2e))), /OrderedDict/);
  // opcodes outside the list (INST, OBJ, NEWOBJ) are refused by opcode
  assert.match(refusal(unpickle(pickleBytes(0x80, 2, 0x28, 0x69, 'os\nsystem\n', 0x2e))), /opcode 0x69/);
});

test('not a zip, truncated archives and zip entries larger than the file are refused', () => {
  assert.match(refusal(readTorchCheckpoint(bytesSource(new TextEncoder().encode('just some text, not a checkpoint')))), /not a zip archive/);
  const good = read('ar-tiny-g4.pt');
  for (const n of [0, 10, 100, 3000, good.length / 2, good.length - 23, good.length - 1]) {
    assert.ok(E.isLeft(readTorchCheckpoint(bytesSource(good.subarray(0, Math.floor(n))))), `truncated at ${n}`);
  }
  // an entry stating 4 GB in a tiny file: refused from the directory, with no big read
  const zip = makeZip([['archive/data.pkl', pickleBytes(0x80, 2, 0x4e, 0x2e)]]);
  const cd = zip.length - 22 - (46 + 'archive/data.pkl'.length);
  new DataView(zip.buffer).setUint32(cd + 20, 0xfffffff0, true);
  new DataView(zip.buffer).setUint32(cd + 24, 0xfffffff0, true);
  const { src, reads } = recording(zip);
  assert.match(refusal(openZip(src)), /states 4294967280 bytes .* past the end of the file/);
  assert.ok(reads.every(([, n]) => n <= zip.length));
});

test('fuzz: random bytes, random pickles and damaged checkpoints give refusals, never exceptions', () => {
  const good = read('ar-tiny-g4.pt');
  const noThrow = (f: () => E.Either<CheckpointError, unknown>) => { const r = f(); assert.ok(E.isLeft(r) || E.isRight(r)); };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => { noThrow(() => unpickle(b)); noThrow(() => readTorchCheckpoint(bytesSource(b))); }), { seed: 17, numRuns: 400 });
  // pickles made of valid opcode bytes stress the interpreter rather than the first byte check
  const ops = [0x80, 0x2e, 0x28, 0x30, 0x31, 0x32, 0x4e, 0x88, 0x89, 0x4a, 0x4b, 0x4d, 0x8a, 0x58, 0x8c, 0x29, 0x74, 0x85, 0x86, 0x87, 0x5d, 0x61, 0x65, 0x7d, 0x73, 0x75, 0x63, 0x93, 0x52, 0x62, 0x51, 0x71, 0x68, 0x94];
  fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...ops), fc.integer({ min: 0, max: 255 })), { maxLength: 200 }), (xs) => noThrow(() => unpickle(Uint8Array.from(xs)))), { seed: 18, numRuns: 1000 });
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
    const b = good.slice();
    for (const [i, v] of edits) b[i] = v;
    noThrow(() => E.chain((c: Parameters<typeof stateDictOf>[0]) => stateDictOf(c, 'ema'))(readTorchCheckpoint(bytesSource(b))));
  }), { seed: 19, numRuns: 300 });
});

test('writeTorchSave streams a file the reader reads back exactly', async () => {
  const { writeTorchSave } = await import('../../src/io/pytorch/write.ts');
  const chunks: Uint8Array[] = [];
  const w = Float32Array.from({ length: 6 }, (_, i) => i / 3 - 1);
  const n = writeTorchSave({ model: [
    { name: 'a.weight', shape: [2, 3], dtype: 'float32', values: () => w },
    { name: 'steps', shape: [1], dtype: 'int64', values: () => BigInt64Array.of(42n) },
  ], ema: [{ name: 'a.weight', shape: [2, 3], dtype: 'float32', values: () => w }] }, (b) => chunks.push(b.slice()));
  const bytes = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  const ckpt = readTorchCheckpoint(bytesSource(bytes));
  assert.ok(E.isRight(ckpt), E.isLeft(ckpt) ? ckpt.left.message : '');
  for (const key of ['model', 'ema']) {
    const sd = stateDictOf(ckpt.right, key);
    assert.ok(E.isRight(sd));
    const a = hostValues(sd.right.get('a.weight')!, 'a.weight');
    assert.ok(E.isRight(a));
    assert.deepEqual(a.right.shape, [2, 3]);
    assert.deepEqual(Array.from(a.right.data), Array.from(w));
  }
  const sd = E.getOrElseW(() => { throw new Error(); })(stateDictOf(ckpt.right, 'model'));
  assert.deepEqual(Array.from(E.getOrElseW(() => { throw new Error(); })(hostValues(sd.get('steps')!, 'steps')).data), [42]);
});

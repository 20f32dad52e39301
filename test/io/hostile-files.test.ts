import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import { decodeTokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { tokenizer } from '../../src/detailflow/tokenizer/model.ts';
import { cnnTeacher } from '../../src/detailflow/teacher/cnn.ts';
import { orThrow } from '../../src/config/codec.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { cnnTeacherDefaults } from '../../src/detailflow/teacher/config.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const tiny = hostArray(new Float32Array(1), [1, 1]);
const bomb = (kind: string, meta: Record<string, unknown>, group = 'params'): Uint8Array =>
  encodeCheckpoint({ kind, trees: { [group]: { codebook: tiny } }, meta });

// the official model's width on a huge table: 2^18 x 2^14 = 2^32 floats claimed by a few hundred bytes
const arBomb = { vocab: 1 << 18, tokens: 32, group: 4, width: 1 << 14, heads: 128, depth: 1 };

/** The safetensors header of a file rewritten: one more tensor whose shape claims 2^34 elements. */
const withHugeTable = (bytes: Uint8Array): Uint8Array => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets?: number[] }>;
  const end = Math.max(...Object.values(header).flatMap((e) => e.data_offsets ?? [0]));
  header['ema/tokEmbed.table'] = { dtype: 'F32', shape: [1 << 20, 1 << 14], data_offsets: [end, end + 2 ** 36] } as never;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + (bytes.length - 8 - n));
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
};

/** A well-formed model file whose 'structure' metadata is nested 20,000 deep. */
const deepStructure = (kind: string, params: object, meta: Record<string, unknown>): Uint8Array => {
  const ok = decodeSafetensors(encodeCheckpoint({ kind, trees: { params: params as never }, meta }));
  assert.ok(E.isRight(ok));
  const deep = `${'{"kind":"array","children":['.repeat(20000)}${']}'.repeat(20000)}`;
  return encodeSafetensors(ok.right.tensors as never, { ...ok.right.metadata, structure: `{"params":${deep}}` });
};

const smallTokenizer = {
  size: 8, patch: 4, tokens: 4, group: 2, causal: 2, codebookSize: 8, codeDim: 4, noiseTopK: 4, alignHidden: 4,
  encoderWidth: 8, encoderDepth: 1, encoderHeads: 1, decoderWidth: 8, decoderDepth: 1, decoderHeads: 1,
};
const tokenizerParams = () => tokenizer(orThrow(decodeTokenizerConfig(smallTokenizer)), 4).init(keyFromSeed(0));
const teacherParams = () => cnnTeacher(cnnTeacherDefaults).init(keyFromSeed(0));

const cases: { name: string; loader: string; bytes: () => Uint8Array; want: RegExp }[] = [
  {
    name: 'a tokenizer whose config claims a 2^20 x 512 codebook', loader: 'tokenizer',
    bytes: () => bomb('detailflow-tokenizer', { config: { codebookSize: 1 << 20, codeDim: 512 }, teacherDim: 128 }),
    want: /codebookSize: expected an integer in \[2, 262144\], got 1048576/,
  },
  {
    name: 'a tokenizer whose config claims the largest codebook allowed', loader: 'tokenizer',
    bytes: () => bomb('detailflow-tokenizer', { config: { codebookSize: 1 << 18, codeDim: 1024 }, teacherDim: 128 }),
    want: /does not match its configuration: that implies \d+\.\d MB of parameters, but the file holds only 4 bytes of tensor data/,
  },
  {
    name: 'an AR file whose config claims a 2^32-element embedding', loader: 'ar',
    bytes: () => bomb('detailflow-ar', { config: arBomb }, 'ema'),
    want: /does not match its configuration: that implies \d+\.\d MB of parameters, but the file holds only 4 bytes/,
  },
  {
    name: 'an AR file whose header claims a 2^34-element table', loader: 'ar',
    bytes: () => withHugeTable(bomb('detailflow-ar', { config: {} }, 'ema')),
    want: /tensor 'ema\/tokEmbed.table': data_offsets \[4, \d+\] run past the data section \(4 bytes\)/,
  },
  {
    name: "a tokenizer whose 'structure' metadata nests 20,000 deep", loader: 'tokenizer',
    bytes: () => deepStructure('detailflow-tokenizer', tokenizerParams(), { config: smallTokenizer, teacherDim: 4 }),
    want: /metadata 'structure': it nests 40001 levels deep \(at most 64 allowed\)$/,
  },
  {
    name: "a teacher whose 'structure' metadata nests 20,000 deep", loader: 'teacher',
    bytes: () => deepStructure('cnn-teacher', teacherParams(), { config: cnnTeacherDefaults }),
    want: /metadata 'structure': it nests 40001 levels deep/,
  },
];

const fixture = path.join(import.meta.dirname, 'hostile-files.fixture.ts');

for (const c of cases) {
  test(`${c.name} is refused in one line naming the file, in under 2 s and 300 MB`, async () => {
    const dir = await tempDir('hostile');
    const file = path.join(dir, 'model.safetensors');
    const bytes = c.bytes();
    await writeFile(file, bytes);
    const out = execFileSync(process.execPath, ['--import', 'tsx', fixture, c.loader, file], { encoding: 'utf8', timeout: 60_000 });
    const r = JSON.parse(out) as { message: string; ms: number; maxRssMb: number };
    assert.ok(r.message.startsWith(`${file}: `), `the message does not name the file: ${r.message}`);
    assert.ok(!r.message.includes('\n'), `not one line:\n${r.message}`);
    assert.match(r.message, c.want);
    assert.ok(r.ms < 2000, `took ${r.ms.toFixed(0)} ms`);
    console.log(`${c.name}: ${r.ms.toFixed(0)} ms, peak RSS ${r.maxRssMb.toFixed(0)} MB`);
    assert.ok(r.maxRssMb < 300, `peak RSS ${r.maxRssMb.toFixed(0)} MB (file of ${bytes.length} bytes)`);
  });
}

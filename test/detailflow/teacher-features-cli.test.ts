import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import { encodePrecomputedFeatures } from '../../src/detailflow/teacher/precomputed.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { tinyIdxDir } from '../helpers/tiny-idx.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const config = {
  tokenizer: { size: 32, patch: 8, tokens: 8, group: 2, causal: 2, codebookSize: 32, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8 },
  train: { steps: 4, batchSize: 8, lr: 0.003, checkpointEvery: 4, reconstructionEvery: 0 },
};

/** Features "computed elsewhere" for `rows` images, F = 24 (any width works, as SigLIP2's 768 would). */
const featuresFile = async (dir: string, rows: number): Promise<string> => {
  const bytes = encodePrecomputedFeatures(hostArray(normalHost(keyFromSeed(5), rows * 24), [rows, 24]), { dataset: 'tiny' });
  assert.ok(E.isRight(bytes));
  const file = path.join(dir, `features-${rows}.safetensors`);
  await writeFile(file, bytes.right);
  return file;
};

const trainTokenizer = async (argv: string[]) => {
  const io = memoryIO();
  const code = await dispatch(['train-tokenizer', ...argv], io);
  return { code, err: io.stderr.join('\n') };
};

test('--teacher-features aligns token 0 to precomputed features: one worker, no perceptual term, teacherDim = F', async () => {
  const data = await tinyIdxDir();
  const dir = await tempDir('features');
  const cfgFile = path.join(dir, 'config.json');
  await writeFile(cfgFile, JSON.stringify(config));
  const count = (await readFile(path.join(data, 'train-labels-idx1-ubyte'))).readUInt32BE(4); // the IDX header's item count
  const features = await featuresFile(dir, count);
  const out = path.join(dir, 'run');
  const r = await trainTokenizer(['--config', cfgFile, '--data', data, '--out', out, '--backend', 'cpu', '--teacher-features', features]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /1 worker/);
  const ck = decodeCheckpoint(new Uint8Array(await readFile(path.join(out, 'tokenizer.safetensors'))), 'detailflow-tokenizer');
  assert.ok(E.isRight(ck));
  assert.equal(ck.right.meta.teacherDim, 24);
  assert.equal((ck.right.meta.config as { perceptualWeight: number }).perceptualWeight, 0);
  const log = (await readFile(path.join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  // -cos(MLP(token 0), features): computed on every step (never the 0 of a switched-off term), within [-1, 1]
  assert.ok(log.every((row) => Number.isFinite(row.align) && row.align !== 0 && Math.abs(row.align) <= 1), JSON.stringify(log.map((row) => row.align)));

  const wrongRows = await featuresFile(dir, count - 1);
  const bad = await trainTokenizer(['--config', cfgFile, '--data', data, '--out', path.join(dir, 'bad'), '--backend', 'cpu', '--teacher-features', wrongRows]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, new RegExp(`--teacher-features .*features-${count - 1}\\.safetensors: .*${count - 1} rows but the dataset has ${count} images`));
  const both = await trainTokenizer(['--out', path.join(dir, 'both'), '--teacher-features', features, '--no-align', '--workers', '2']);
  assert.equal(both.code, 2);
  assert.match(both.err, /--teacher-features and --no-align exclude each other/);
  assert.match(both.err, /--teacher-features trains with one worker/);
});

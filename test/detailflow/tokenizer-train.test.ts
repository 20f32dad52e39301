import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { tinyIdxDir } from '../helpers/tiny-idx.ts';
import { describeDips, prefixDips } from '../../src/detailflow/tokenizer/coarse-to-fine.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const config = {
  tokenizer: { size: 32, patch: 8, tokens: 8, group: 2, causal: 2, codebookSize: 32, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8 },
  train: { steps: 24, batchSize: 8, lr: 0.003, checkpointEvery: 12, reconstructionEvery: 24 },
};

const train = async (dataDir: string, out: string, extra: string[] = [], cfg: object = config) => {
  const file = path.join(out, 'config.json');
  await writeFile(file, JSON.stringify(cfg));
  const io = memoryIO();
  const code = await dispatch(['train-tokenizer', '--config', file, '--data', dataDir, '--out', out, '--backend', 'cpu', '--no-align', ...extra], io);
  assert.equal(code, 0, io.stderr.join('\n'));
  return io;
};

const paramsOf = async (dir: string): Promise<Float32Array[]> => {
  const ck = decodeCheckpoint(new Uint8Array(await readFile(path.join(dir, 'tokenizer.safetensors'))), 'detailflow-tokenizer');
  assert.ok(E.isRight(ck));
  const { flatten } = await import('../../src/tree/tree.ts');
  const { isHostArray } = await import('../../src/ir/host-array.ts');
  return flatten(ck.right.trees.params, isHostArray).leaves.map((l) => l.data as Float32Array);
};

test('a tiny tokenizer trains through the CLI: the loss falls, checkpoints and a reconstruction grid are written', async () => {
  const data = await tinyIdxDir();
  const out = await tempDir('tok');
  await train(data, out);
  const log = (await readFile(path.join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  // full-resolution steps only: the loss of a coarse prefix is not comparable with t = N
  const full = log.filter((r) => r.t === 8);
  const first = full.slice(0, 3).reduce((a, r) => a + r.mse, 0) / 3;
  const last = full.slice(-3).reduce((a, r) => a + r.mse, 0) / 3;
  assert.ok(last < 0.7 * first, `reconstruction MSE at t = N went from ${first} to ${last}`);
  const files = await readdir(out);
  for (const f of ['tokenizer.safetensors', 'tokenizer.safetensors.prev', 'recon-24.png']) assert.ok(files.includes(f), `${f} missing`);
});

test('--resume continues bit for bit: 12 + 12 steps equal 24 uninterrupted steps', async () => {
  const data = await tinyIdxDir();
  const whole = await tempDir('whole');
  await train(data, whole);
  // an interrupted run: stopped after step 12 (its checkpoint), then resumed to 24
  const half = await tempDir('half');
  await train(data, half, ['--until', '12']);
  await train(data, half, ['--resume']);
  const [a, b] = [await paramsOf(whole), await paramsOf(half)];
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.deepEqual(Array.from(b[i]), Array.from(x), `parameter ${i} differs after resuming`));
});

test('--init starts from another run\'s parameters; a different configuration is refused', async () => {
  const data = await tinyIdxDir();
  const first = await tempDir('first');
  await train(data, first, ['--until', '4']);
  const second = await tempDir('second');
  await train(data, second, ['--until', '1', '--init', path.join(first, 'tokenizer.safetensors')]);
  const other = await tempDir('other');
  const file = path.join(other, 'config.json');
  await writeFile(file, JSON.stringify({ ...config, tokenizer: { ...config.tokenizer, tokens: 16, group: 4, causal: 4 } }));
  const io = memoryIO();
  const code = await dispatch(['train-tokenizer', '--config', file, '--data', data, '--out', other, '--backend', 'cpu', '--no-align', '--init', path.join(first, 'tokenizer.safetensors')], io);
  assert.notEqual(code, 0);
  assert.match(io.stderr.join('\n'), /tokens, group, causal differ/);
});

test('reconstruct reports every pass-plan prefix, the coarse-to-fine verdict and codebook usage, as text and JSON', async () => {
  const data = await tinyIdxDir();
  const run = await tempDir('recon');
  await train(data, run, ['--until', '4']);
  const args = ['reconstruct', '--tokenizer', path.join(run, 'tokenizer.safetensors'), '--data', data, '--count', '2', '--eval', '6', '--backend', 'cpu', '--out', path.join(run, 'recon.png')];
  const asJson = memoryIO();
  assert.equal(await dispatch([...args, '--json'], asJson), 0, asJson.stderr.join('\n'));
  const report = JSON.parse(asJson.stdout.join('\n'));
  // tokens 8, g = C = 2: one token at a time to C, then a group per pass
  assert.deepEqual(report.prefixes.map((p: { t: number }) => p.t), [1, 2, 4, 6, 8]);
  assert.equal(report.images, 6);
  // progress lines go to stderr by the clock (every few seconds; test/cli/progress covers them): a run this short prints none
  assert.doesNotMatch(asJson.stderr.join('\n'), /\{|images\/s/, 'stderr holds no report and no progress line for a sub-second run');
  assert.deepEqual(report.dips, prefixDips(report.prefixes));
  const asText = memoryIO();
  assert.equal(await dispatch(args, asText), 0, asText.stderr.join('\n'));
  const text = asText.stdout.join('\n');
  assert.ok(text.includes(describeDips(5, report.dips)), text);
  assert.match(text, new RegExp(`codebook: ${report.codebook.used} of 32 codes used`));
  assert.ok((await readFile(path.join(run, 'recon.png'))).subarray(1, 4).toString() === 'PNG');
});

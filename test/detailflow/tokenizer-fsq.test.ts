// A tokenizer with the FSQ quantiser (issue 19, item 2) trains through the CLI like the VQ one:
// finite losses, no codebook or commitment term, a checkpoint without codebook tensors that
// loads again and reconstructs (resume is the trainer's, tested with the VQ) with usage counted over the FSQ codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { decodeTokenizerFile } from '../../src/detailflow/pretrained/model-files.ts';
import { isHostArray } from '../../src/ir/host-array.ts';
import { flatten } from '../../src/tree/tree.ts';
import { tinyIdxDir } from '../helpers/tiny-idx.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// levels 4, 2, 2, 2: 32 codes of 4 channels
const config = {
  tokenizer: {
    size: 32, patch: 8, tokens: 8, group: 2, causal: 2, codebookSize: 32, codeDim: 4, quantizer: 'fsq', fsqLevels: [4, 2, 2, 2],
    encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8,
  },
  train: { steps: 6, batchSize: 4, lr: 0.003, checkpointEvery: 3, reconstructionEvery: 6 },
};

const train = async (dataDir: string, out: string, extra: string[] = []) => {
  const file = path.join(out, 'config.json');
  await writeFile(file, JSON.stringify(config));
  const io = memoryIO();
  const code = await dispatch(['train-tokenizer', '--config', file, '--data', dataDir, '--out', out, '--backend', 'cpu', '--no-align', ...extra], io);
  assert.equal(code, 0, io.stderr.join('\n'));
};

test('an FSQ tokenizer trains a few steps with finite losses, saves no codebook, loads and reconstructs', async () => {
  const data = await tinyIdxDir();
  const out = await tempDir('tok-fsq');
  await train(data, out);
  const log = (await readFile(path.join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log.length, 6);
  for (const r of log) {
    for (const k of ['loss', 'mse', 'gradNorm'] as const) assert.ok(Number.isFinite(r[k]), `step ${r.step}: ${k} = ${r[k]}`);
    // FSQ has no codebook or commitment loss
    assert.equal(r.vq, 0);
    assert.equal(r.commit, 0);
  }
  const file = path.join(out, 'tokenizer.safetensors');
  const m = decodeTokenizerFile(new Uint8Array(await readFile(file)));
  assert.ok(E.isRight(m), E.isLeft(m) ? m.left : '');
  assert.equal(m.right.tk.config.quantizer, 'fsq');
  assert.equal(m.right.tk.quantizer.codes, 32);
  assert.deepEqual(m.right.params.codebook, {});
  assert.ok(flatten(m.right.params as never, isHostArray).paths.every((p) => !p.startsWith('codebook')));

  const io = memoryIO();
  const code = await dispatch(['reconstruct', '--tokenizer', file, '--data', data, '--count', '2', '--backend', 'cpu', '--out', path.join(out, 'recon.png'), '--json'], io);
  assert.equal(code, 0, io.stderr.join('\n'));
  const report = JSON.parse(io.stdout.join('\n'));
  assert.equal(report.codebook.size, 32);
  assert.ok(report.codebook.used >= 1 && report.codebook.used <= 32);
  for (const p of report.prefixes) assert.ok(Number.isFinite(p.psnrTarget), `t = ${p.t}`);
});

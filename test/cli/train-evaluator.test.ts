import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { loadEvaluator } from '../../src/cli/evaluator-file.ts';
import { tinyIdxDir } from '../helpers/tiny-idx.ts';
import { tempDir } from '../helpers/temp-dir.ts';

test('train-evaluator trains on IDX data, reports test accuracy, and its export loads as the metric network', async () => {
  const data = await tinyIdxDir();
  const out = await tempDir('evaluator');
  const config = path.join(out, 'evaluator.json');
  await writeFile(config, JSON.stringify({ width: 4, features: 16, steps: 30, batchSize: 16, lr: 0.01 }));
  const io = memoryIO();
  assert.equal(await dispatch(['train-evaluator', '--config', config, '--data', data, '--out', out, '--backend', 'wasm'], io), 0, io.stderr.join('\n'));
  const acc = Number(/test accuracy ([\d.]+)% on 64 images after 30 steps/.exec(io.stdout.join('\n'))?.[1]);
  assert.ok(acc > 20, `test accuracy ${acc}% is no better than chance on 10 blob-size classes`);
  const log = (await readFile(path.join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(log[log.length - 2].loss < log[0].loss, 'the loss did not fall');
  const shipped = path.join(out, 'shipped.safetensors');
  assert.equal(await dispatch(['export', '--in', path.join(out, 'evaluator.safetensors'), '--out', shipped], memoryIO()), 0);
  const { net } = await loadEvaluator(shipped);
  assert.equal(net.featureDim, 16);
});

test('train-evaluator without --out, or with a bad config, exits 2 naming the problem', async () => {
  const io = memoryIO();
  assert.equal(await dispatch(['train-evaluator', '--seed', '-1'], io), 2);
  assert.match(io.stderr.join('\n'), /--out RUN_DIR is required/);
  assert.match(io.stderr.join('\n'), /--seed: expected a non-negative integer, got -1/);
  const dir = await tempDir('evaluator-bad');
  const config = path.join(dir, 'bad.json');
  await writeFile(config, JSON.stringify({ widht: 8, steps: -1 }));
  const io2 = memoryIO();
  assert.equal(await dispatch(['train-evaluator', '--config', config, '--out', dir], io2), 2);
  assert.match(io2.stderr.join('\n'), /steps/);
  assert.match(io2.stderr.join('\n'), /widht: unknown field/);
});

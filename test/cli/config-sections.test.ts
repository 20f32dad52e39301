import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const run = async (argv: string[]) => {
  const io = memoryIO();
  const code = await dispatch(argv, io);
  return { code, err: io.stderr.join('\n') };
};

test('train-tokenizer refuses a misspelled section or field of --config before it trains, listing the known ones', async () => {
  const dir = await tempDir('config-sections');
  const config = path.join(dir, 'c.json');
  await writeFile(config, JSON.stringify({ tokeniser: { codebookSize: 64 }, train: { stpes: 3 } }));
  const out = path.join(dir, 'run');
  const r = await run(['train-tokenizer', '--config', config, '--out', out, '--no-align']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /tokeniser: unknown section \(known: tokenizer, train\)/);
  assert.deepEqual(await readdir(dir), ['c.json'], 'no run folder is made for a refused configuration');
  await writeFile(config, JSON.stringify({ tokenizer: { codebokSize: 64 }, train: { stpes: 3 } }));
  const r2 = await run(['train-tokenizer', '--config', config, '--out', out, '--no-align']);
  assert.equal(r2.code, 2, r2.err);
  assert.match(r2.err, /tokenizer\.codebokSize: unknown field \(known: [^)]*codebookSize/);
  assert.match(r2.err, /train\.stpes: unknown field \(known: steps,/);
});

test('train-ar refuses an unknown section and an unknown train field before it reads the codes', async () => {
  const dir = await tempDir('config-sections');
  const config = path.join(dir, 'c.json');
  await writeFile(config, JSON.stringify({ AR: {}, train: {} }));
  const r = await run(['train-ar', '--config', config, '--codes', path.join(dir, 'missing.codes'), '--out', path.join(dir, 'run')]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /AR: unknown section \(known: ar, train\)/);
  await writeFile(config, JSON.stringify({ train: { emma: 0.5 } }));
  const r2 = await run(['train-ar', '--config', config, '--codes', path.join(dir, 'missing.codes'), '--out', path.join(dir, 'run')]);
  // the codes file is missing, but the config is refused first
  assert.equal(r2.code, 2, r2.err);
  assert.match(r2.err, /train\.emma: unknown field \(known: steps, batchSize, lr, ema,/);
});

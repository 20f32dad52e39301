// train.ema for the tokenizer: the EMA starts at the weights the run starts from (--init's, not a
// random draw), moves by ema * decay + params * (1 - decay) each step, is checkpointed, and
// export ships it as the tokenizer's params.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { flatten } from '../../src/tree/tree.ts';
import { isHostArray, type HostArray } from '../../src/ir/host-array.ts';
import { TOKENIZER_KIND, decodeTokenizerFile } from '../../src/detailflow/pretrained/model-files.ts';
import { tinyIdxDir } from '../helpers/tiny-idx.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const tokenizer = {
  size: 32, encoderWidth: 16, encoderDepth: 1, decoderWidth: 16, decoderDepth: 1, codebookSize: 32, noiseTopK: 4, alignHidden: 16, degradeProb: 0,
};

const cli = async (argv: string[]) => {
  const io = memoryIO();
  const code = await dispatch(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
};

const leaves = (tree: unknown): Float32Array[] => flatten(tree as never, isHostArray).leaves.map((a) => (a as HostArray).data as Float32Array);

test('train.ema: starts at --init weights, one step moves it halfway at decay 0.5, and export ships it as params', async () => {
  const data = await tinyIdxDir();
  const root = await tempDir('tok-ema');
  const write = async (name: string, train: object) => {
    const file = path.join(root, name);
    await writeFile(file, JSON.stringify({ tokenizer, train: { steps: 1, batchSize: 2, checkpointEvery: 1, reconstructionEvery: 1, ...train } }));
    return file;
  };
  const start = await cli(['train-tokenizer', '--config', await write('plain.json', {}), '--data', data, '--out', path.join(root, 'start'), '--backend', 'wasm']);
  assert.equal(start.code, 0, start.err);
  const initFile = path.join(root, 'start', 'tokenizer.safetensors');
  const ema = await cli(['train-tokenizer', '--config', await write('ema.json', { ema: 0.5 }), '--data', data, '--out', path.join(root, 'ema'), '--backend', 'wasm', '--init', initFile]);
  assert.equal(ema.code, 0, ema.err);

  const init = decodeCheckpoint(new Uint8Array(await readFile(initFile)), TOKENIZER_KIND);
  const ck = decodeCheckpoint(new Uint8Array(await readFile(path.join(root, 'ema', 'tokenizer.safetensors'))), TOKENIZER_KIND);
  assert.ok(E.isRight(init) && E.isRight(ck));
  assert.ok('ema' in ck.right.trees, 'the checkpoint holds the EMA');
  const [p0, p1, e1] = [leaves(init.right.trees.params), leaves(ck.right.trees.params), leaves(ck.right.trees.ema)];
  assert.equal(e1.length, p1.length);
  let moved = 0;
  for (let i = 0; i < e1.length; i++) {
    for (let j = 0; j < e1[i]!.length; j++) {
      const want = Math.fround(Math.fround(p0[i]![j]! * 0.5) + Math.fround(p1[i]![j]! * 0.5));
      assert.equal(e1[i]![j], want, `leaf ${i}[${j}]: ema ${e1[i]![j]} is not (init + params) / 2 = ${want}`);
      if (p0[i]![j] !== p1[i]![j]) moved++;
    }
  }
  assert.ok(moved > 100, `one step changed ${moved} weights`);

  const shipped = path.join(root, 'shipped.safetensors');
  const ex = await cli(['export', '--in', path.join(root, 'ema', 'tokenizer.safetensors'), '--out', shipped]);
  assert.equal(ex.code, 0, ex.err);
  assert.match(ex.out, /ema as params/);
  const model = decodeTokenizerFile(new Uint8Array(await readFile(shipped)));
  assert.ok(E.isRight(model), E.isLeft(model) ? model.left : '');
  assert.deepEqual(leaves(model.right.params), e1, 'the shipped params are the EMA');
});

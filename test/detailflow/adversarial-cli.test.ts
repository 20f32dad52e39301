// The tokenizer's adversarial stage through train-tokenizer: the discriminator, its optimiser
// state and LeCAM's EMAs are checkpointed and a resumed run ends byte-identical to an
// uninterrupted one; the discriminator trains only from discStart; the model file still loads as a
// tokenizer; the stage refuses a run without a network teacher or with several workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { TOKENIZER_KIND, decodeTokenizerFile } from '../../src/detailflow/pretrained/model-files.ts';
import { tinyIdxDir } from '../helpers/tiny-idx.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const config = {
  tokenizer: {
    size: 32, encoderWidth: 16, encoderDepth: 1, decoderWidth: 16, decoderDepth: 1, codebookSize: 32, noiseTopK: 4, alignHidden: 16,
    // one prefix (t = N) keeps it to one compiled step
    degradeProb: 0,
  },
  train: { steps: 4, batchSize: 2, checkpointEvery: 2, reconstructionEvery: 0, gan: true, discStart: 1, discHidden: 8 },
};

const cli = async (argv: string[]) => {
  const io = memoryIO();
  const code = await dispatch(argv, io);
  return { code, err: io.stderr.join('\n') };
};

const logOf = async (dir: string) => (await readFile(path.join(dir, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);

test('the adversarial stage: checkpointed whole, resumed byte-identically, on from discStart, and the file loads as a tokenizer', async () => {
  const data = await tinyIdxDir();
  const root = await tempDir('gan');
  const cfg = path.join(root, 'gan.json');
  await writeFile(cfg, JSON.stringify(config));
  const train = (out: string, ...extra: string[]) => cli(['train-tokenizer', '--config', cfg, '--data', data, '--out', path.join(root, out), '--backend', 'wasm', ...extra]);
  const whole = await train('whole');
  assert.equal(whole.code, 0, whole.err);
  assert.equal((await train('parts', '--until', '2')).code, 0);
  const resumed = await train('parts', '--resume');
  assert.equal(resumed.code, 0, resumed.err);
  const [a, b] = [await readFile(path.join(root, 'whole', 'tokenizer.safetensors')), await readFile(path.join(root, 'parts', 'tokenizer.safetensors'))];
  assert.ok(a.equals(b), 'a resumed adversarial run ends byte-identical to an uninterrupted one');

  const ck = decodeCheckpoint(new Uint8Array(a), TOKENIZER_KIND);
  assert.ok(E.isRight(ck), E.isLeft(ck) ? ck.left.message : '');
  for (const tree of ['params', 'opt', 'disc', 'discOpt', 'lecam']) assert.ok(tree in ck.right.trees, `the checkpoint holds ${tree}`);

  // step 1 is before discStart: the discriminator has no loss and no gradient; from step 2 it trains
  const log = await logOf(path.join(root, 'whole'));
  assert.equal(log[0].discLoss, 0);
  assert.equal(log[0].discGradNorm, 0);
  assert.ok(log[1].discLoss > 0 && log[1].discGradNorm > 0, JSON.stringify(log[1]));
  for (const k of ['gan', 'disc', 'lecam', 'consistency', 'dReal', 'dFake']) assert.ok(Number.isFinite(log[3][k]), `${k} logged`);
  // LeCAM's EMAs move from step 1 on, the gate notwithstanding
  const ema = ck.right.trees.lecam as unknown as { real: { data: Float32Array } };
  assert.notEqual(ema.real.data[0], 0);

  const model = decodeTokenizerFile(new Uint8Array(a));
  assert.ok(E.isRight(model), E.isLeft(model) ? model.left : '');
});

test('the adversarial stage refuses a run without a network teacher, and several workers', async () => {
  const data = await tinyIdxDir();
  const root = await tempDir('gan-bad');
  const cfg = path.join(root, 'gan.json');
  await writeFile(cfg, JSON.stringify(config));
  const noTeacher = await cli(['train-tokenizer', '--config', cfg, '--data', data, '--out', path.join(root, 'a'), '--backend', 'wasm', '--no-align']);
  assert.equal(noTeacher.code, 1);
  assert.match(noTeacher.err, /the adversarial stage \(train\.gan\) needs a network teacher.*--no-align.*pass --teacher, or set train\.gan to false/);
  const workers = await cli(['train-tokenizer', '--config', cfg, '--data', data, '--out', path.join(root, 'b'), '--backend', 'wasm', '--workers', '2']);
  assert.equal(workers.code, 2);
  assert.match(workers.err, /--workers 2: the adversarial stage \(train\.gan\) trains with one worker/);
});

test('train.frozenEncoder fine-tunes the decoder alone: encoder, codebook and alignment head stay bit for bit', async () => {
  const data = await tinyIdxDir();
  const root = await tempDir('frozen');
  const cfg = path.join(root, 'frozen.json');
  await writeFile(cfg, JSON.stringify({ ...config, train: { ...config.train, frozenEncoder: true } }));
  const train = (out: string, until: string) => cli(['train-tokenizer', '--config', cfg, '--data', data, '--out', path.join(root, out), '--backend', 'wasm', '--until', until]);
  assert.equal((await train('two', '2')).code, 0);
  assert.equal((await train('four', '4')).code, 0);
  const params = async (dir: string) => {
    const ck = decodeCheckpoint(new Uint8Array(await readFile(path.join(root, dir, 'tokenizer.safetensors'))), TOKENIZER_KIND);
    assert.ok(E.isRight(ck));
    return ck.right.trees.params as unknown as Record<string, unknown>;
  };
  const [a, b] = [await params('two'), await params('four')];
  for (const part of ['encoder', 'codebook', 'align']) assert.deepEqual(b[part], a[part], `${part} moved`);
  assert.notDeepEqual(b.decoder, a.decoder, 'the decoder trains');
});

test('train.discPixelPatch adds a head on the image\'s own patches; discLrScale scales the discriminator\'s steps', async () => {
  const data = await tinyIdxDir();
  const root = await tempDir('gan-pixels');
  const run = async (name: string, train: object) => {
    const cfg = path.join(root, `${name}.json`);
    await writeFile(cfg, JSON.stringify({ ...config, train: { ...config.train, steps: 1, discStart: 0, checkpointEvery: 1, warmupFraction: 0, lr: 1e-3, ...train } }));
    const r = await cli(['train-tokenizer', '--config', cfg, '--data', data, '--out', path.join(root, name), '--backend', 'wasm']);
    assert.equal(r.code, 0, r.err);
    const ck = decodeCheckpoint(new Uint8Array(await readFile(path.join(root, name, 'tokenizer.safetensors'))), TOKENIZER_KIND);
    assert.ok(E.isRight(ck));
    return ck.right.trees as unknown as { disc: { heads: { first: { w: { shape: number[]; data: Float32Array } } }[] } };
  };
  const plain = await run('plain', {});
  const pixels = await run('pixels', { discPixelPatch: 4 });
  assert.equal(pixels.disc.heads.length, plain.disc.heads.length + 1);
  assert.deepEqual(pixels.disc.heads.at(-1)!.first.w.shape, [16, 8], 'a 4 x 4 grey patch per position, into discHidden 8');
  // the same run at 10x the discriminator's lr: its first Adam step (lr * sign of the gradient) is 10x as long
  const fast = await run('fast', { discLrScale: 10 });
  const init = await run('zero', { discLrScale: 0 });
  const step = (t: typeof plain) => t.disc.heads[0]!.first.w.data.map((v, i) => Math.abs(v - init.disc.heads[0]!.first.w.data[i]!)).sort()[Math.floor(t.disc.heads[0]!.first.w.data.length / 2)]!;
  assert.ok(Math.abs(step(plain) - 1e-3) < 2e-4, `median step ${step(plain)} at lr 1e-3`);
  assert.ok(Math.abs(step(fast) - 1e-2) < 2e-3, `median step ${step(fast)} at 10x`);
});

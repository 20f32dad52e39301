// The rules of a run directory (src/cli/run-dir.ts): a folder that holds a run is refused without
// --resume or --force, --force moves the run aside, orphaned temporary files go on the next start,
// a damaged checkpoint falls back to its .prev, and a resume cuts the log back to its step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { claimRunDir, cutLog, removeOrphanedTemps } from '../../src/cli/run-dir.ts';
import { tinyIdxDir } from '../helpers/tiny-idx.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const line = (step: number, extra: object = {}) => JSON.stringify({ step, loss: step / 10, ...extra });

test('cutLog keeps the steps up to the checkpoint, its own line once, and drops the rest and a cut-off line', async () => {
  const dir = await tempDir('cut-log');
  const file = path.join(dir, 'log.jsonl');
  // steps 1..4, a final line at step 4 (the classifiers' test accuracy), redone steps 3..5, a line a kill cut off
  await writeFile(file, [line(1), line(2), 'a note without a step', line(3), line(4), line(4, { testAccuracy: 0.5 }), line(3), line(4), line(5), '{"step": 6, "lo'].join('\n'));
  assert.equal(await cutLog(file, 4), 5);
  assert.equal(await readFile(file, 'utf8'), `${[line(1), line(2), 'a note without a step', line(3), line(4)].join('\n')}\n`);
  assert.equal(await cutLog(file, 4), 0, 'nothing more to cut');
  assert.equal(await cutLog(file, 0), 5, 'a run that never saved starts its log over');
  assert.equal(await readFile(file, 'utf8'), '');
  assert.equal(await cutLog(path.join(dir, 'none.jsonl'), 3), 0, 'no log, nothing to cut');
  assert.deepEqual((await readdir(dir)).sort(), ['log.jsonl'], 'rewritten atomically, no temporary file left');
});

test('only the run\'s own temporary files of a process that is gone are removed', async () => {
  const dir = await tempDir('orphans');
  const gone = spawnSync(process.execPath, ['-e', '']).pid;
  const names = {
    removed: [`.ar.safetensors.${gone}.k3j9x2ab.tmp`, `.ar.safetensors.prev.${gone}.z.tmp`, `.log.jsonl.${gone}.q1.tmp`, `.probe.${gone}.0a.tmp`, `.recon-12.png.${gone}.ab.tmp`],
    kept: [`.ar.safetensors.${process.pid}.abc.tmp`, `.notes.txt.${gone}.abc.tmp`, 'mine.tmp', `.ar.safetensors.${gone}.tmp`, 'ar.safetensors'],
  };
  for (const n of [...names.removed, ...names.kept]) await writeFile(path.join(dir, n), 'x');
  const removed = await removeOrphanedTemps(dir, { checkpoint: 'ar.safetensors', extra: /^recon-\d+\.png$/ });
  assert.deepEqual(removed.sort(), [...names.removed].sort());
  assert.deepEqual((await readdir(dir)).sort(), [...names.kept].sort());
});

test('claimRunDir: --resume and --force exclude each other; --resume needs a run; a fresh folder is taken', async () => {
  const dir = await tempDir('claim');
  const io = memoryIO();
  const layout = { checkpoint: 'ar.safetensors' };
  const both = await claimRunDir(dir, layout, { resume: true, force: true }, io);
  assert.ok(E.isLeft(both) && /--resume and --force exclude each other/.test(both.left));
  const nothing = await claimRunDir(dir, layout, { resume: true }, io);
  assert.ok(E.isLeft(nothing) && nothing.left.includes(`${dir} holds no run to resume`));
  const fresh = await claimRunDir(path.join(dir, 'new'), layout, {}, io);
  assert.ok(E.isRight(fresh));
  assert.deepEqual([fresh.right.dir, fresh.right.file], [path.join(dir, 'new'), path.join(dir, 'new', 'ar.safetensors')]);
  assert.deepEqual(io.stderr, []);
});

const tokCfg = {
  tokenizer: { size: 32, patch: 8, tokens: 8, group: 2, causal: 2, codebookSize: 32, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8 },
  train: { steps: 6, batchSize: 8, lr: 0.003, checkpointEvery: 2, reconstructionEvery: 0 },
};

const cli = async (argv: string[]) => {
  const io = memoryIO();
  const code = await dispatch(argv, io);
  return { code, err: io.stderr.join('\n'), io };
};

test('every trainer refuses a folder that holds a checkpoint, in one line, before loading anything', async () => {
  const missing = path.join(await tempDir('no-data'), 'nothing-here');
  for (const [name, ckpt, args] of [
    ['train-tokenizer', 'tokenizer.safetensors', ['--data', missing, '--no-align']],
    ['train-ar', 'ar.safetensors', ['--codes', path.join(missing, 'codes.safetensors')]],
    ['train-teacher', 'teacher.safetensors', ['--data', missing]],
    ['train-evaluator', 'evaluator.safetensors', ['--data', missing]],
  ] as const) {
    const dir = await tempDir(name);
    await writeFile(path.join(dir, ckpt), 'not even a checkpoint');
    const r = await cli([name, '--out', dir, ...args]);
    assert.equal(r.code, 2, `${name}: ${r.err}`);
    assert.equal(r.err.split('\n').length, 1, `${name}: one line, got:\n${r.err}`);
    assert.ok(r.err.includes(dir) && r.err.includes('--resume') && r.err.includes('--force'), `${name}: ${r.err}`);
    assert.deepEqual(await readdir(dir), [ckpt], `${name}: nothing touched`);
  }
});

test('--force moves the earlier run into previous-<n>/ and starts a fresh log; nothing is deleted', async () => {
  const data = await tinyIdxDir();
  const dir = await tempDir('force');
  const config = path.join(dir, 'tok.json');
  await writeFile(config, JSON.stringify(tokCfg));
  const train = (...extra: string[]) => cli(['train-tokenizer', '--config', config, '--data', data, '--out', dir, '--backend', 'wasm', '--no-align', '--workers', '1', ...extra]);
  assert.equal((await train('--until', '4')).code, 0);
  const before = { ck: await readFile(path.join(dir, 'tokenizer.safetensors')), log: await readFile(path.join(dir, 'log.jsonl'), 'utf8') };
  assert.equal((await train('--until', '2')).code, 2, 'refused without --force');
  const forced = await train('--until', '2', '--force');
  assert.equal(forced.code, 0, forced.err);
  assert.match(forced.err, /--force: moved the earlier run \(log\.jsonl, tokenizer\.safetensors, tokenizer\.safetensors\.prev\) into .*previous-1/);
  assert.deepEqual((await readdir(dir)).sort(), ['log.jsonl', 'previous-1', 'tok.json', 'tokenizer.safetensors'], 'the config, not a run file, stays');
  assert.ok((await readFile(path.join(dir, 'previous-1', 'tokenizer.safetensors'))).equals(before.ck));
  assert.equal(await readFile(path.join(dir, 'previous-1', 'log.jsonl'), 'utf8'), before.log);
  assert.deepEqual((await readFile(path.join(dir, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).step), [1, 2]);
  // --init from the checkpoint that --force moves: read from where it went
  const again = await train('--until', '2', '--force', '--init', path.join(dir, 'tokenizer.safetensors'));
  assert.equal(again.code, 0, again.err);
  assert.ok((await readdir(dir)).includes('previous-2'), 'a second --force takes the next free name');
});

test('--resume from a truncated checkpoint names it in one line, falls back to .prev, cuts the log, and ends bit-exact', async () => {
  const data = await tinyIdxDir();
  const root = await tempDir('fallback');
  const config = path.join(root, 'tok.json');
  await writeFile(config, JSON.stringify(tokCfg));
  const train = (out: string, ...extra: string[]) => cli(['train-tokenizer', '--config', config, '--data', data, '--out', out, '--backend', 'wasm', '--no-align', '--workers', '1', ...extra]);
  const whole = path.join(root, 'whole');
  assert.equal((await train(whole)).code, 0);
  const dir = path.join(root, 'damaged');
  assert.equal((await train(dir, '--until', '4')).code, 0);
  const ck = path.join(dir, 'tokenizer.safetensors');
  const size = (await readFile(ck)).length;
  const cut = Math.round(size * 0.6);
  await truncate(ck, cut);
  const r = await train(dir, '--resume');
  assert.equal(r.code, 0, r.err);
  const lines = r.err.split('\n');
  assert.ok(lines.includes(`${ck} is truncated (${cut.toLocaleString('en-US')} of ${size.toLocaleString('en-US')} bytes); resuming from ${ck}.prev at step 2 instead (the damaged file is kept as tokenizer.safetensors.truncated)`), r.err);
  assert.ok(lines.includes('log.jsonl: dropped 2 lines after step 2, which this run redoes'), r.err);
  for (const f of ['tokenizer.safetensors', 'log.jsonl']) {
    assert.ok((await readFile(path.join(dir, f))).equals(await readFile(path.join(whole, f))), `${f} differs from the uninterrupted run's`);
  }
  // both damaged: one line that names both and what to do
  await truncate(ck, 100);
  await writeFile(`${ck}.prev`, 'garbage, not a checkpoint');
  const bad = await train(dir, '--resume');
  assert.equal(bad.code, 1);
  assert.equal(bad.err.split('\n').length, 1, bad.err);
  assert.match(bad.err, /tokenizer\.safetensors is truncated \(100 bytes; its header alone needs [\d,]+\) and .*tokenizer\.safetensors\.prev is corrupt .*: nothing whole to resume from; start afresh with --force/);
});

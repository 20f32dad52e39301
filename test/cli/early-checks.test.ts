// Flags, backends and output places are checked before any model loads or any work starts: the
// model paths given here do not exist, so a command that loaded first would fail another way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { memoryIO } from '../../src/cli/io.ts';
import type { Command } from '../../src/cli/command.ts';
import { sampleCommand } from '../../src/cli/commands/sample.ts';
import { reconstructCommand } from '../../src/cli/commands/reconstruct.ts';
import { extractCodesCommand } from '../../src/cli/commands/extract-codes.ts';
import { evalCommand } from '../../src/cli/commands/eval.ts';
import { demoCommand } from '../../src/cli/commands/demo.ts';
import { trainTeacherCommand } from '../../src/cli/commands/train-teacher.ts';
import { trainEvaluatorCommand } from '../../src/cli/commands/train-evaluator.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const run = async (cmd: Command, argv: string[]) => {
  const io = memoryIO();
  const t0 = performance.now();
  const code = await cmd.run(argv, io);
  return { code, err: io.stderr.join('\n'), ms: performance.now() - t0 };
};

const setup = async () => {
  const dir = await tempDir('early');
  const file = path.join(dir, 'a-file');
  await writeFile(file, 'x');
  return { dir, file, tok: path.join(dir, 'no-tokenizer.safetensors'), ar: path.join(dir, 'no-ar.safetensors') };
};

test('--backend bogus exits 2 naming the backends, before any model is loaded (every command that takes one)', async () => {
  const { dir, tok, ar } = await setup();
  const out = path.join(dir, 'out.png');
  const cases: [Command, string[]][] = [
    [sampleCommand, ['--tokenizer', tok, '--ar', ar, '--out', out]],
    [reconstructCommand, ['--tokenizer', tok, '--out', out]],
    [extractCodesCommand, ['--tokenizer', tok, '--out', path.join(dir, 'codes.safetensors')]],
    [evalCommand, ['--tokenizer', tok, '--evaluator', path.join(dir, 'no-evaluator.safetensors')]],
    [demoCommand, ['--tokenizer', tok, '--ar', ar, '--out', dir]],
    [trainTeacherCommand, ['--out', path.join(dir, 'run')]],
    [trainEvaluatorCommand, ['--out', path.join(dir, 'run')]],
  ];
  for (const [cmd, argv] of cases) {
    const r = await run(cmd, [...argv, '--backend', 'bogus']);
    assert.equal(r.code, 2, `${cmd.name}: ${r.err}`);
    assert.match(r.err, /--backend: expected one of webgpu, wasm, cpu, onnx-cpu, onnx-webgpu, got 'bogus'/, cmd.name);
  }
  assert.deepEqual(await readdir(dir), ['a-file'], 'nothing was written');
});

test('an unwritable output of sample, reconstruct or extract-codes, a malformed --classes or a sampling option out of range, is refused before the models load, and nothing is written', async () => {
  const { dir, file, tok, ar } = await setup();
  const good = path.join(dir, 'grid.png');
  const bad = path.join(file, 'strip.png'); // a file stands where the folder should be
  const cases: [Command, string[], RegExp][] = [
    [sampleCommand, ['--tokenizer', tok, '--ar', ar, '--out', good, '--progressive', bad], /--progressive .*strip\.png: .*a part of .*a-file.* is a file, not a directory/],
    [sampleCommand, ['--tokenizer', tok, '--ar', ar, '--out', dir], /--out .*: .* is a directory, not a file/],
    [sampleCommand, ['--tokenizer', tok, '--ar', ar, '--out', good, '--classes', '1,x'], /--classes: expected comma-separated class ids, got '1,x'/],
    [sampleCommand, ['--tokenizer', tok, '--ar', ar, '--out', good, '--cfg', '0.5'], /--cfg: expected a guidance scale >= 1, got 0\.5/],
    [sampleCommand, ['--tokenizer', tok, '--ar', ar, '--out', good, '--top-p', '1.5', '--top-k', '0'], /--top-k: expected an integer >= 1, got 0[\s\S]*--top-p: expected a number in \(0, 1\], got 1\.5|--top-p[\s\S]*--top-k/],
    [sampleCommand, ['--tokenizer', tok, '--ar', ar, '--out', good, '--temperature', '-1'], /--temperature: expected a number >= 0, got -1/],
    [reconstructCommand, ['--tokenizer', tok, '--out', bad], /--out .*strip\.png: /],
    [extractCodesCommand, ['--tokenizer', tok, '--out', bad], /--out .*strip\.png: /],
  ];
  for (const [cmd, argv, message] of cases) {
    const r = await run(cmd, argv);
    assert.equal(r.code, 2, `${cmd.name}: ${r.err}`);
    assert.match(r.err, message, cmd.name);
    assert.doesNotMatch(r.err, /no-tokenizer|no-ar/, `${cmd.name} read a model first`);
  }
  assert.deepEqual(await readdir(dir), ['a-file'], 'sample wrote something before it failed');
});

test('demo --out under /proc is refused at once (the writability probe cannot hang)', async () => {
  const { dir, tok, ar } = await setup();
  // /proc exists on Linux, where Node's recursive mkdir never settles; elsewhere a file as parent stands in
  const place = process.platform === 'linux' ? '/proc/x' : path.join(dir, 'a-file', 'x');
  const r = await run(demoCommand, ['--out', place, '--tokenizer', tok, '--ar', ar]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /--out .*x: creating the directory .*x failed/);
  assert.ok(r.ms < 5000, `took ${r.ms.toFixed(0)} ms`);
});

test('integer flags of the training commands are checked with the others', async () => {
  const { dir } = await setup();
  const r = await run(trainTeacherCommand, ['--out', path.join(dir, 'run'), '--steps', '0', '--seed', '1.5']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /--steps: expected a positive integer, got 0/);
  assert.match(r.err, /--seed: expected a non-negative integer, got 1.5/);
});

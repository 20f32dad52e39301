import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { FileError, readFileBytes, rotateCheckpoint, writeFileAtomic } from '../../src/platform/files.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bytes = (s: string) => new TextEncoder().encode(s);
const text = async (p: string) => readFile(p, 'utf8');

const withDir = async (body: (dir: string) => Promise<void>) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'detailflow-files-'));
  try { await body(dir); } finally { await rm(dir, { recursive: true, force: true }); }
};

test('writeFileAtomic replaces the file and leaves no temporary files', () => withDir(async (dir) => {
  const p = path.join(dir, 'sub', 'a.bin');
  assert.ok(E.isRight(await writeFileAtomic(p, bytes('one'))), 'creates missing directories');
  assert.ok(E.isRight(await writeFileAtomic(p, bytes('two'))));
  assert.equal(await text(p), 'two');
  assert.deepEqual(await readdir(path.join(dir, 'sub')), ['a.bin']);
}));

test('a write that fails before the rename leaves the old file intact and cleans up', () => withDir(async (dir) => {
  const p = path.join(dir, 'a.bin');
  await writeFile(p, 'old');
  const r = await writeFileAtomic(p, bytes('new'), { onStage: (stage) => { if (stage === 'temp-written') throw new Error('power cut'); } });
  assert.ok(E.isLeft(r));
  assert.ok(r.left instanceof FileError);
  assert.match(r.left.message, /power cut/);
  assert.equal(await text(p), 'old');
  assert.deepEqual(await readdir(dir), ['a.bin']);
}));

// A real crash: a child process writes the temporary file, then is killed before renaming.
const crashAt = async (stage: string, call: string) => {
  const script = `import { writeFileAtomic, rotateCheckpoint } from ${JSON.stringify(path.join(root, 'src/platform/files.ts'))};
const onStage = (s) => { if (s === ${JSON.stringify(stage)}) process.kill(process.pid, 'SIGKILL'); };
await ${call};`;
  const r = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root }).then(() => 'exited', (e: { signal?: string }) => e.signal);
  assert.equal(r, 'SIGKILL', 'the child was killed mid-write');
};

test('a process killed between writing the temporary file and the rename leaves the old file', () => withDir(async (dir) => {
  const p = path.join(dir, 'model.safetensors');
  await writeFile(p, 'old');
  await crashAt('temp-written', `writeFileAtomic(${JSON.stringify(p)}, new TextEncoder().encode('new'), { onStage })`);
  assert.equal(await text(p), 'old');
  const left = (await readdir(dir)).filter((f) => f !== 'model.safetensors');
  assert.equal(left.length, 1, 'only the orphaned temporary file remains');
  assert.match(left[0]!, /^\.model\.safetensors\..*\.tmp$/, 'named so it is never taken for a checkpoint');
  assert.ok(E.isRight(await writeFileAtomic(p, bytes('newer'))), 'the next write still works');
  assert.equal(await text(p), 'newer');
}));

test('rotateCheckpoint keeps the previous checkpoint as .prev', () => withDir(async (dir) => {
  const first = await rotateCheckpoint(dir, 'ckpt', bytes('step 1'));
  assert.deepEqual(first, E.right({ path: path.join(dir, 'ckpt'), previous: undefined }));
  const second = await rotateCheckpoint(dir, 'ckpt', bytes('step 2'));
  assert.deepEqual(second, E.right({ path: path.join(dir, 'ckpt'), previous: path.join(dir, 'ckpt.prev') }));
  await rotateCheckpoint(dir, 'ckpt', bytes('step 3'));
  assert.equal(await text(path.join(dir, 'ckpt')), 'step 3');
  assert.equal(await text(path.join(dir, 'ckpt.prev')), 'step 2');
  assert.deepEqual((await readdir(dir)).sort(), ['ckpt', 'ckpt.prev']);
}));

test('a crash at any step of a rotation leaves a complete checkpoint under its name', () => withDir(async (dir) => {
  for (const stage of ['temp-written', 'previous-kept']) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await writeFile(path.join(dir, 'ckpt'), 'step 1');
    await writeFile(path.join(dir, 'ckpt.prev'), 'step 0');
    await crashAt(stage, `rotateCheckpoint(${JSON.stringify(dir)}, 'ckpt', new TextEncoder().encode('step 2'), { onStage })`);
    assert.equal(await text(path.join(dir, 'ckpt')), 'step 1', `crash after ${stage}`);
    assert.equal(await text(path.join(dir, 'ckpt.prev')), stage === 'temp-written' ? 'step 0' : 'step 1', `crash after ${stage}`);
  }
}));

test('readFileBytes names the path and what to do', () => withDir(async (dir) => {
  await writeFile(path.join(dir, 'x'), 'abc');
  const ok = await readFileBytes(path.join(dir, 'x'));
  assert.ok(E.isRight(ok));
  assert.equal(ok.right.constructor, Uint8Array, 'a plain Uint8Array, not a Buffer');
  assert.deepEqual(Array.from(ok.right), [97, 98, 99]);
  const missing = await readFileBytes(path.join(dir, 'nope'), 'train a tokenizer first, or pass --checkpoint FILE');
  assert.ok(E.isLeft(missing));
  assert.equal(missing.left.message, `cannot read file: there is no file at ${path.join(dir, 'nope')}: train a tokenizer first, or pass --checkpoint FILE`);
  const isDir = await readFileBytes(dir);
  assert.ok(E.isLeft(isDir));
  assert.match(isDir.left.message, /is a directory, not a file/);
}));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { checkOutputFile, checkWritableDir, makeDirs } from '../../src/platform/files.ts';
import { tempDir } from '../helpers/temp-dir.ts';

test('makeDirs makes every missing folder of a path, and again is a no-op', async () => {
  const dir = await tempDir('probe');
  const deep = path.join(dir, 'a', 'b', 'c');
  await makeDirs(deep);
  assert.ok((await stat(deep)).isDirectory());
  await makeDirs(deep);
  assert.ok(E.isRight(await checkWritableDir(deep)));
});

test('a folder the kernel refuses, or a file in the way, is refused at once with a readable line', async () => {
  const dir = await tempDir('probe');
  const file = path.join(dir, 'f');
  await writeFile(file, 'x');
  const places = [path.join(file, 'x'), ...(process.platform === 'linux' ? ['/proc/x', '/proc/x/y/z'] : [])];
  for (const p of places) {
    const t0 = performance.now();
    const r = await checkWritableDir(p);
    assert.ok(E.isLeft(r), p);
    assert.match(r.left.message, /cannot write there: creating the directory .* failed|is a file, not a directory/);
    assert.ok(performance.now() - t0 < 2000, `${p}: slow`);
  }
  const d = await checkOutputFile(dir);
  assert.ok(E.isLeft(d) && /is a directory, not a file/.test(d.left.message));
  assert.ok(E.isRight(await checkOutputFile(path.join(dir, 'new', 'out.png'))));
});

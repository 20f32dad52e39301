import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { encodeIdx } from '../../src/data/idx.ts';
import { idxFileNames } from '../../src/data/fashion-mnist.ts';
import { encodePng } from '../../src/io/png.ts';
import { compress } from '../../src/io/streams.ts';
import { loadIdxDataset, loadPngFolder } from '../../src/platform/load-dataset.ts';

const withDir = async (body: (dir: string) => Promise<void>) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'detailflow-data-'));
  try { await body(dir); } finally { await rm(dir, { recursive: true, force: true }); }
};
const leftMessage = (r: E.Either<Error, unknown>): string => {
  assert.ok(E.isLeft(r), 'expected an error');
  return r.left.message;
};

test('a missing dataset directory or file says where it looked and how to get the data', () => withDir(async (dir) => {
  const none = leftMessage(await loadIdxDataset(path.join(dir, 'nowhere'), 'train'));
  assert.match(none, new RegExp(`no dataset directory at ${path.join(dir, 'nowhere')}`));
  assert.match(none, /apt-get install dataset-fashion-mnist/);
  assert.match(none, /--data DIR/);
  await writeFile(path.join(dir, `${idxFileNames.test.images}.gz`), await compress(encodeIdx({ dims: [1, 2, 2], data: new Uint8Array(4) }), 'gzip'));
  const partial = leftMessage(await loadIdxDataset(dir, 'test'));
  assert.match(partial, /has no t10k-labels-idx1-ubyte\(\.gz\) for the test split/);
  assert.match(partial, /apt-get install dataset-fashion-mnist/);
}));

test('IDX files are read gzipped or plain, and malformed ones are named', () => withDir(async (dir) => {
  const names = idxFileNames.train;
  await writeFile(path.join(dir, `${names.images}.gz`), await compress(encodeIdx({ dims: [2, 2, 3], data: Uint8Array.of(0, 255, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6) }), 'gzip'));
  await writeFile(path.join(dir, names.labels), encodeIdx({ dims: [2], data: Uint8Array.of(3, 1) }));
  const r = await loadIdxDataset(dir, 'train', { padTo: 4, classes: ['a', 'b', 'c', 'd'] });
  assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
  assert.deepEqual([r.right.count, r.right.channels, r.right.height, r.right.width], [2, 1, 4, 4]);
  assert.deepEqual(Array.from(r.right.labels), [3, 1]);
  assert.equal(r.right.images[4 + 1], 1, 'byte 255 at (0, 1) lands at (1, 1) of the padded image');
  await writeFile(path.join(dir, names.labels), Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 9));
  const bad = leftMessage(await loadIdxDataset(dir, 'train'));
  assert.match(bad, new RegExp(`${path.join(dir, names.labels)}: dimensions \\[9\\] of u8 need 9 bytes of data, but the file has 0`));
}));

const png = (width: number, height: number, channels: 1 | 3 | 4, fill: number) =>
  encodePng({ width, height, channels, data: new Uint8Array(width * height * channels).fill(fill) });

test('loadPngFolder reads one subfolder per class, sorted, into [-1, 1] NCHW', () => withDir(async (dir) => {
  await mkdir(path.join(dir, 'dog'));
  await mkdir(path.join(dir, 'cat'));
  await writeFile(path.join(dir, 'dog', 'b.png'), await png(2, 3, 3, 255));
  await writeFile(path.join(dir, 'dog', 'a.png'), await png(2, 3, 4, 0)); // alpha is dropped
  await writeFile(path.join(dir, 'cat', 'z.png'), await png(2, 3, 3, 51));
  await writeFile(path.join(dir, 'cat', 'notes.txt'), 'ignored');
  const r = await loadPngFolder(dir);
  assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
  const ds = r.right;
  assert.deepEqual(ds.classes, ['cat', 'dog']);
  assert.deepEqual([ds.count, ds.channels, ds.height, ds.width], [3, 3, 3, 2]);
  assert.deepEqual(Array.from(ds.labels), [0, 1, 1]);
  assert.deepEqual([ds.images[0], ds.images[18], ds.images[36]], [Math.fround(51 / 127.5 - 1), -1, 1]);
}));

test('loadPngFolder lists every file whose size or channels differ, and every unreadable file', () => withDir(async (dir) => {
  await mkdir(path.join(dir, 'a'));
  await mkdir(path.join(dir, 'b'));
  await mkdir(path.join(dir, 'empty'));
  await writeFile(path.join(dir, 'a', '1.png'), await png(4, 4, 1, 0));
  await writeFile(path.join(dir, 'a', '2.png'), await png(5, 4, 1, 0));
  await writeFile(path.join(dir, 'b', '3.png'), await png(4, 4, 3, 0));
  await writeFile(path.join(dir, 'b', 'broken.png'), 'not a png');
  const msg = leftMessage(await loadPngFolder(dir));
  assert.match(msg, /4 problems/);
  assert.match(msg, /class folder empty\/ has no \.png files/);
  assert.match(msg, /b\/broken\.png: it does not start with the PNG signature/);
  assert.match(msg, /a\/2\.png is 5x4 with 1 channel, but a\/1\.png is 4x4 with 1 channel/);
  assert.match(msg, /b\/3\.png is 4x4 with 3 channels, but a\/1\.png is 4x4 with 1 channel/);
  await rm(path.join(dir, 'a'), { recursive: true });
  await rm(path.join(dir, 'b'), { recursive: true });
  await rm(path.join(dir, 'empty'), { recursive: true });
  assert.match(leftMessage(await loadPngFolder(dir)), /no subfolders; expected one subfolder of PNG images per class/);
}));

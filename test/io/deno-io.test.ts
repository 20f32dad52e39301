import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { probe } from './deno-io.fixture.ts';
import { decodePng } from '../../src/io/png.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const denoBin = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url));

// Deno (npm package `deno`) runs the formats and the data order unbundled and agrees with Node;
// its zlib may compress differently, so its PNG is compared by decoding it here.
test('PNG, safetensors, IDX and batches give the same results under Deno', async () => {
  const want = await probe();
  const { stdout } = await run(denoBin, ['run', '-A', 'test/io/deno-io.fixture.ts'], { cwd: root, timeout: 120_000 });
  const got = JSON.parse(stdout.trim().split('\n').pop() as string) as typeof want;
  assert.deepEqual({ ...got, png: undefined }, { ...want, png: undefined });
  const denoPng = await decodePng(Uint8Array.from(got.png));
  assert.ok(E.isRight(denoPng));
  assert.deepEqual(Array.from(denoPng.right.data), want.pixels);
});

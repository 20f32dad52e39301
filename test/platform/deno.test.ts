import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { probe } from './deno-core.fixture.ts';
import { ready } from '../../laws/helpers/backends.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const denoBin = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url));

// The library runs unbundled in Deno (npm package `deno`, nothing downloaded) and agrees with Node.
for (const backend of ['cpu', 'wasm', 'webgpu'] as const) {
  test(`the core gives the same results under Deno on ${backend}`, async () => {
    await ready(backend);
    const want = await probe(backend);
    const { stdout } = await run(denoBin, ['run', '-A', 'test/platform/deno-core.fixture.ts', backend], { cwd: root, timeout: 120_000 });
    const got = JSON.parse(stdout.trim().split('\n').pop() as string);
    assert.equal(got.noise.data.join(), want.noise.data.join(), 'random streams differ');
    for (const k of ['loss', 'grad'] as const) {
      got[k].data.forEach((v: number, i: number) => assert.ok(Math.abs(v - want[k].data[i]) < 1e-4, `${k}[${i}]: deno ${v} vs node ${want[k].data[i]}`));
    }
  });
}

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command } from '../../src/cli/command.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { commands, dispatch } from '../../src/cli/main.ts';
import { GraphError } from '../../src/ir/errors.ts';

const fake = (name: string, run: Command['run']): Command => ({ name, summary: `${name} things`, usage: `detailflow ${name} [--n N]`, run });
const table = [
  fake('echo', async (argv, io) => (io.out(argv.join(' ')), 0)),
  fake('boom', async () => {
    throw new GraphError('shape', 'matmul', 'inner dimensions differ: 3 vs 4');
  }),
];

test('help lists every command with its summary', async () => {
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const io = memoryIO();
    assert.equal(await dispatch(argv, io, table), 0);
    assert.match(io.stdout.join('\n'), /echo\s+echo things\n\s+boom\s+boom things/);
  }
});

test('help <cmd> and <cmd> --help print the usage', async () => {
  for (const argv of [['help', 'echo'], ['echo', '--help']]) {
    const io = memoryIO();
    assert.equal(await dispatch(argv, io, table), 0);
    assert.deepEqual(io.stdout, ['detailflow echo: echo things\n\ndetailflow echo [--n N]']);
  }
});

test('an unknown command is named, the valid ones listed, exit code 2', async () => {
  for (const argv of [['frob'], ['help', 'frob']]) {
    const io = memoryIO();
    assert.equal(await dispatch(argv, io, table), 2);
    assert.deepEqual(io.stderr, ["detailflow: unknown command 'frob'. Commands: echo, boom. See 'detailflow --help'."]);
  }
});

test('no command prints help to stderr with exit code 2', async () => {
  const io = memoryIO();
  assert.equal(await dispatch([], io, table), 2);
  assert.match(io.stderr.join('\n'), /Usage: detailflow <command>/);
});

test('a command gets the rest of argv and its exit code is returned', async () => {
  const io = memoryIO();
  assert.equal(await dispatch(['echo', '--n', '3'], io, table), 0);
  assert.deepEqual(io.stdout, ['--n 3']);
});

test('a thrown error becomes one line and exit code 1; the stack only in debug', async () => {
  const quiet = memoryIO();
  assert.equal(await dispatch(['boom'], quiet, table, false), 1);
  assert.deepEqual(quiet.stderr, ['detailflow boom: matmul: inner dimensions differ: 3 vs 4']);
  const debug = memoryIO();
  assert.equal(await dispatch(['boom'], debug, table, true), 1);
  assert.equal(debug.stderr.length, 2);
  assert.match(debug.stderr[1]!, /^GraphError: matmul/);
});

test('the real command table has unique names and summaries', () => {
  const names = commands.map((c) => c.name);
  assert.deepEqual(names.length, new Set(names).size);
  for (const name of ['doctor', 'bench', 'schedule']) assert.ok(names.includes(name), name);
  for (const c of commands) assert.ok(c.summary.length > 0 && c.usage.length > 0, c.name);
});

test('bin/detailflow.mjs runs the TypeScript CLI from any working directory', () => {
  const bin = fileURLToPath(new URL('../../bin/detailflow.mjs', import.meta.url));
  const help = spawnSync(process.execPath, [bin, '--help'], { cwd: tmpdir(), encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Commands:[\s\S]*doctor/);
  const bad = spawnSync(process.execPath, [bin, 'frob'], { cwd: tmpdir(), encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command 'frob'/);
});

test('DETAILFLOW_BACKEND is read at the CLI edge: the default backend a command sees, or a clear error', async () => {
  const { defaultBackend } = await import('../../src/compile/backend.ts');
  const shows = [fake('which', async (_argv, io) => (io.out(await defaultBackend()), 0))];
  const saved = process.env['DETAILFLOW_BACKEND'];
  try {
    for (const name of ['cpu', 'wasm', 'webgpu']) {
      process.env['DETAILFLOW_BACKEND'] = name;
      const io = memoryIO();
      assert.equal(await dispatch(['which'], io, shows), 0);
      assert.deepEqual(io.stdout, [name]);
    }
    process.env['DETAILFLOW_BACKEND'] = 'tpu';
    const io = memoryIO();
    assert.equal(await dispatch(['which'], io, shows), 1);
    assert.deepEqual(io.stderr, ["detailflow which: backend: unknown backend 'tpu'; choose one of webgpu, wasm, cpu, onnx-cpu, onnx-webgpu"]);
  } finally {
    if (saved === undefined) delete process.env['DETAILFLOW_BACKEND'];
    else process.env['DETAILFLOW_BACKEND'] = saved;
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchCommand } from '../../src/cli/commands/bench.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { coreFlops, defaultCoreBench } from '../../src/bench/core-config.ts';

const TINY = ['--depth', '1', '--width', '8', '--heads', '2', '--mlp', '16', '--batch', '2', '--seq', '4', '--steps', '2', '--warmup', '1'];

test('bench: a missing or unknown subcommand, backend or flag is a usage error (exit 2)', async () => {
  for (const argv of [[], ['nope'], ['core', '--backend', 'tpu'], ['core', '--frobnicate'], ['core', '--steps', '0'], ['core', '--width', '10', '--heads', '4'], ['core', '--baseline', 'x']]) {
    const io = memoryIO();
    assert.equal(await benchCommand.run(argv, io), 2, argv.join(' '));
    assert.ok(io.stderr.join('\n').length > 0);
  }
});

test('bench core --json on a tiny stack: DSL and both tfjs baselines compute the same loss', async () => {
  const io = memoryIO();
  assert.equal(await benchCommand.run(['core', '--backend', 'cpu', '--json', ...TINY], io), 0, io.stderr.join('\n'));
  const r = JSON.parse(io.stdout.join('\n'));
  assert.equal(r.backend, 'cpu');
  assert.equal(r.dsl.samplesMs.length, 2);
  for (const v of ['tape', 'tuned']) assert.ok(Math.abs(r.tfjs[v].loss - r.dsl.loss) <= 1e-5 * Math.abs(r.dsl.loss), `${v}: ${r.tfjs[v].loss} vs ${r.dsl.loss}`);
  assert.ok(r.ratio > 0 && Number.isFinite(r.ratio));
  assert.equal(r.flopsPerStep, coreFlops(r.config).step);
});

test('bench core text output names the ratio', async () => {
  const io = memoryIO();
  assert.equal(await benchCommand.run(['core', '--backend', 'cpu', '--baseline', 'tuned', ...TINY], io), 0);
  assert.match(io.stdout.join('\n'), /ratio dsl\/tfjs \d/);
});

test('coreFlops: 3x forward; the default workload is about 61.6 GFLOP per step', () => {
  const f = coreFlops(defaultCoreBench);
  assert.equal(f.step, 3 * f.forward);
  assert.ok(Math.abs(f.step / 1e9 - 61.6) < 0.1);
});

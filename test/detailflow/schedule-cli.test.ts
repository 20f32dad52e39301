import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleCommand } from '../../src/cli/commands/schedule.ts';
import { memoryIO } from '../../src/cli/io.ts';

const run = async (...argv: string[]) => {
  const io = memoryIO();
  const code = await scheduleCommand.run(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
};

test('schedule --json prints rows and passes for the reference setting (N = 128)', async () => {
  const r = await run('--size', '256', '--tokens', '128', '--group', '8', '--json');
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  const j = JSON.parse(r.out) as { rows: { n: number; resolution: number; decoderSize: number; trainProb: number }[]; passes: { start: number; end: number }[] };
  assert.deepEqual(Object.keys(j), ['rows', 'passes']);
  assert.equal(j.rows.length, 128);
  assert.deepEqual(Object.keys(j.rows[0]), ['n', 'resolution', 'decoderSize', 'trainProb']);
  // Reference section 2.3: t -> R(t) -> dec(t), P(t).
  const golden: [number, number, number, number][] = [
    [1, 1, 16, 0.2 / 120], [3, 6, 16, 0.2 / 120], [8, 21, 32, 0.2 / 120], [9, 24, 32, 0], [16, 44, 48, 1.6 / 120],
    [48, 128, 128, 1.6 / 120], [96, 223, 224, 1.6 / 120], [120, 251, 256, 1.6 / 120], [127, 255, 256, 0], [128, 256, 256, 0.8],
  ];
  for (const [n, R, dec, p] of golden) {
    const row = j.rows[n - 1];
    assert.deepEqual([row.n, row.resolution, row.decoderSize], [n, R, dec]);
    assert.ok(Math.abs(row.trainProb - p) < 1e-12, `P(${n}) = ${row.trainProb}`);
  }
  assert.equal(j.passes.length, 23);
  assert.deepEqual(j.passes[22], { start: 120, end: 128 });
});

test('schedule prints a text table by default, with every n and the pass plan', async () => {
  const r = await run('--size', '64', '--tokens', '32', '--group', '4', '--causal', '8', '--alpha', '2', '--patch', '8');
  assert.equal(r.code, 0);
  const lines = r.out.split('\n');
  assert.match(lines[0], /size 64, tokens 32, group 4, causal 8, alpha 2, patch 8/);
  assert.ok(lines.some((l) => /^\s*n\s+R\(n\)\s+dec\(n\)\s+trainProb$/.test(l)));
  const rows = lines.filter((l) => /^\s*\d+\s+\d+\s+\d+\s+[\d.e-]+$/.test(l));
  assert.equal(rows.length, 32);
  assert.match(rows[31], /^\s*32\s+64\s+64\s+0\.8$/);
  // 1 + (C-1) + (N/g - C/g) = 1 + 7 + 6 passes.
  assert.ok(lines.includes('sampler passes: 14'));
  assert.equal(lines.filter((l) => /tokens \[\d+, \d+\)$/.test(l)).length, 14);
});

test('invalid flags: exit code 2, nothing on stdout, and every problem named by its flag', async () => {
  const r = await run('--size', 'big', '--tokens', '100', '--group', '8', '--alpha', '0.5', '--bogus', '3', '--patch');
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  for (const re of [/unknown flag --bogus/, /unexpected argument '3'/, /--patch needs a value/, /--size: expected an integer/, /--alpha: expected a number in \[1, 16\], got 0\.5/, /--tokens\/--group: tokens \(N = 100\) must be a multiple of group \(g = 8\)/]) {
    assert.match(r.err, re);
  }
  assert.match(r.err, /invalid flags \(6 problems\)/);
});

test('missing required flags and cross-flag rules are reported', async () => {
  // one shape flag describes a configuration of one's own: the other two are then needed (with none, the shipped one is shown)
  const none = await run('--size', '64', '--json');
  assert.equal(none.code, 2);
  for (const f of ['--tokens', '--group']) assert.match(none.err, new RegExp(`${f}: expected`));
  const bad = await run('--size', '8', '--tokens', '16', '--group', '8', '--causal', '12');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--size\/--patch: size \(H = 8\) must be at least patch \(P = 16\)/);
  assert.match(bad.err, /--causal\/--group: causal \(C = 12\) must be a multiple of group/);
  const dup = await run('--size', '256', '--size', '256', '--tokens', '128', '--group', '8');
  assert.equal(dup.code, 2);
  assert.match(dup.err, /--size given more than once/);
});

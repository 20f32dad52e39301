// Training progress: by the clock when stderr is not a terminal (the first and last steps always),
// within 80 columns on a terminal, and a stop at --until ends the line before the summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryIO } from '../../src/cli/io.ts';
import { progressReporter } from '../../src/cli/training-run.ts';

const metrics = { loss: 0.123456, mse: 0.0456, vq: 0.0123, commit: 0.00321, align: -0.5, gradNorm: 1.2345, lr: 0.0003 };

test('not on a terminal: a line every 5 s by the clock, the first and the last step always, none in between', () => {
  const io = memoryIO();
  let clock = 0;
  const p = progressReporter(io, { total: 100, startStep: 0, imagesPerStep: 32, tty: false, now: () => clock });
  for (let step = 1; step <= 100; step++) { clock += 400; p(step, metrics); } // 40 s in all
  const steps = io.stderr.map((l) => Number(/^step (\d+)\/100/.exec(l)?.[1]));
  assert.equal(steps[0], 1, 'the first step is written at once');
  assert.equal(steps.at(-1), 100, 'the last step is written');
  // one line per 5 s: 40 s of steps give 8 clock lines plus the first (the last falls on one)
  assert.ok(steps.length >= 8 && steps.length <= 10, `${steps.length} lines: ${steps.join(', ')}`);
  for (let i = 1; i < steps.length - 1; i++) assert.ok((steps[i]! - steps[i - 1]!) * 400 >= 5000, `lines ${steps[i - 1]} and ${steps[i]} closer than 5 s`);
});

test('not on a terminal: a run stopped at --until logs its last step on finish, once', () => {
  const io = memoryIO();
  let clock = 0;
  const p = progressReporter(io, { total: 100, startStep: 0, imagesPerStep: 32, tty: false, now: () => clock });
  for (let step = 1; step <= 7; step++) { clock += 100; p(step, metrics); }
  p.finish();
  p.finish();
  assert.deepEqual(io.stderr.map((l) => /^step (\d+)/.exec(l)?.[1]), ['1', '7']);
});

test('on a terminal: the line fits 80 columns (or a narrower terminal), and --until ends it before the summary', () => {
  for (const columns of [200, 80, 60]) {
    const out: string[] = [];
    let clock = 0;
    const p = progressReporter(memoryIO(), { total: 1000, startStep: 0, imagesPerStep: 64, tty: true, columns, now: () => clock, write: (t) => out.push(t) });
    for (let step = 1; step <= 50; step++) { clock += 250; p(step, metrics); }
    p.finish();
    const visible = out.join('').split(/\r|\n/).map((l) => l.replace(/\x1b\[K/g, '')).filter((l) => l.length > 0);
    assert.ok(visible.length > 0);
    for (const l of visible) assert.ok(l.length <= Math.min(80, columns) - 1, `${l.length} columns at a ${columns}-column terminal: ${l}`);
    assert.ok(out.join('').endsWith('\n'), 'finish ends the progress line, so the summary starts on its own line');
    assert.match(visible.at(-1)!, /^step 50\/1000/, 'the last state is drawn');
  }
});

// The CLI's progress display: the terminal bar's format and width, and when plain lines are written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBar, formatDuration, formatLine, formatRate, progress, type ProgressSink, type ProgressState } from '../../src/cli/progress.ts';
import { memoryIO } from '../../src/cli/io.ts';

const state = (over: Partial<ProgressState> = {}): ProgressState =>
  ({ label: 'eval: generation', done: 412, total: 1000, unit: 'images', elapsedMs: 13_200, ...over });

test('formatDuration and formatRate: short, rounded up, never "0:00 left" before the end', () => {
  assert.deepEqual([0, 0.2, 5, 59.5, 65, 3723].map(formatDuration), ['0:00', '0:01', '0:05', '1:00', '1:05', '1:02:03']);
  assert.equal(formatDuration(Number.NaN), '--:--');
  assert.deepEqual([0.01234, 3.14159, 31.2, 123.4, 0].map(formatRate), ['0.0123', '3.14', '31.2', '123', '0']);
});

test('formatBar: label, bar, percentage, counts, rate and ETA on one line', () => {
  const line = formatBar(state());
  assert.match(line, /^eval: generation \[#+\.+\]  41% 412\/1000 31\.2 images\/s ETA 0:19$/);
  const end = formatBar(state({ done: 1000, elapsedMs: 32_000 }));
  assert.match(end, /\[#+\] 100% 1000\/1000 31\.3 images\/s in 0:32$/);
  assert.match(formatBar(state({ done: 0, elapsedMs: 0 })), /  0% 0\/1000 0 images\/s ETA --:--$/);
});

test('formatBar never exceeds 80 columns, nor a narrower terminal, whatever the label and counts', () => {
  const labels = ['', 'x', 'reconstruct', 'eval: reconstruction', 'a label far too long to fit on any reasonable terminal line at all, really'];
  const counts: [number, number][] = [[0, 1], [1, 3], [412, 1000], [999_999, 1_000_000], [10_000, 10_000]];
  for (const width of [8, 20, 40, 60, 79, 80, 81, 120, 300]) {
    for (const label of labels) {
      for (const [done, total] of counts) {
        for (const elapsedMs of [0, 1, 5000, 3.6e6 * 30]) {
          const line = formatBar({ label, done, total, unit: 'images', elapsedMs }, width);
          assert.ok(line.length <= Math.min(80, width), `${line.length} > ${Math.min(80, width)}: ${JSON.stringify(line)}`);
          assert.ok(!line.includes('\n'));
        }
      }
    }
  }
  // on a normal terminal the rate and the ETA are always shown, the label shortened first
  const long = formatBar(state({ label: labels[4]! }), 80);
  assert.match(long, /~ \[/);
  assert.match(long, /images\/s ETA 0:19$/);
});

test('formatLine: one plain line with the count, the share, the rate and the time left (or taken)', () => {
  assert.equal(formatLine(state()), 'eval: generation: 412/1000 images (41%), 31.2 images/s, 0:19 left');
  assert.equal(formatLine(state({ done: 1000, elapsedMs: 32_000 })), 'eval: generation: 1000/1000 images in 0:32 (31.3 images/s)');
});

/** A clock the test moves, and a sink that records what was written. */
const fake = (tty: boolean, columns = 80) => {
  let t = 1000;
  const written: string[] = [];
  const sink: ProgressSink = { tty, columns, write: (text) => void written.push(text) };
  return { sink, written, now: () => t, advance: (ms: number) => { t += ms; } };
};

test('off a terminal: a line every few seconds by the clock, not every N items; a last line only after a long run', () => {
  const f = fake(false);
  const p = progress(memoryIO(), { label: 'job', total: 200, unit: 'images', intervalMs: 5000, sink: f.sink, now: f.now });
  for (let i = 1; i <= 200; i++) { f.advance(100); p.update(i); } // 20 s of work, an item every 100 ms
  p.finish();
  assert.deepEqual(f.written, [
    'job: 50/200 images (25%), 10.0 images/s, 0:15 left',
    'job: 100/200 images (50%), 10.0 images/s, 0:10 left',
    'job: 150/200 images (75%), 10.0 images/s, 0:05 left',
    'job: 200/200 images in 0:20 (10.0 images/s)',
  ]);
  // many items quickly: nothing at all (no line per N items, no last line for a short job)
  const q = fake(false);
  const quick = progress(memoryIO(), { label: 'job', total: 10_000, unit: 'images', intervalMs: 5000, sink: q.sink, now: q.now });
  for (let i = 1; i <= 10_000; i++) { q.advance(0.4); quick.update(i); }
  quick.finish();
  assert.deepEqual(q.written, []);
  // few items slowly: a line whenever the interval has passed, however few items were done
  const s = fake(false);
  const slow = progress(memoryIO(), { label: 'job', total: 3, unit: 'passes', intervalMs: 5000, sink: s.sink, now: s.now });
  s.advance(12_000); slow.update(1);
  s.advance(12_000); slow.update(2);
  s.advance(1000); slow.finish();
  // (the work stopped at 2 of 3: the last line already said so, and is not repeated)
  assert.deepEqual(s.written, ['job: 1/3 passes (33%), 0.0833 passes/s, 0:24 left', 'job: 2/3 passes (66%), 0.0833 passes/s, 0:12 left']);
});

test('without a sink, lines go to the command IO\'s stderr (so tests and logs see them)', () => {
  let t = 0;
  const io = memoryIO();
  const p = progress(io, { label: 'job', total: 2, unit: 'images', intervalMs: 1000, now: () => t });
  t = 1500; p.update(1);
  t = 3000; p.update(2); p.finish();
  assert.deepEqual(io.stderr, ['job: 1/2 images (50%), 0.667 images/s, 0:02 left', 'job: 2/2 images in 0:03 (0.667 images/s)']);
  assert.deepEqual(io.stdout, []);
});

test('on a terminal: the bar is redrawn in place, throttled, within the terminal, and its last state ends the line', () => {
  for (const columns of [80, 200, 50]) {
    const f = fake(true, columns);
    const p = progress(memoryIO(), { label: 'reconstruct', total: 1000, unit: 'images', sink: f.sink, now: f.now });
    for (let i = 1; i <= 1000; i++) { f.advance(7); p.update(i); }
    p.finish();
    assert.ok(f.written.length > 10 && f.written.length < 100, `${f.written.length} redraws for 7 s of work`);
    for (const w of f.written) {
      assert.match(w, /^\r[^\r\n]*\x1b\[K\n?$/);
      const visible = w.replace(/^\r/, '').replace(/\x1b\[K\n?$/, '');
      assert.ok(visible.length < Math.min(80, columns), `${visible.length} columns: ${visible}`);
    }
    assert.ok(f.written.at(-1)!.endsWith('\x1b[K\n'));
    assert.match(f.written.at(-1)!, /1000\/1000 .* in 0:07/);
    assert.equal(f.written.filter((w) => w.endsWith('\n')).length, 1);
  }
});

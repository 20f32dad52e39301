// `detailflow plot`: a run's log.jsonl as a PNG of loss curves, one panel per metric, logs of a
// run's phases joined step after step; bad input names what was wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { decodePng } from '../../src/io/png.ts';
import { movingAverage } from '../../src/io/line-plot.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const cli = async (argv: string[]) => {
  const io = memoryIO();
  const code = await dispatch(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
};

const log = (steps: number, f: (s: number) => number) =>
  `${Array.from({ length: steps }, (_, i) => JSON.stringify({ step: i + 1, t: 32, loss: f(i), mse: f(i) / 2, lr: 1e-4 })).join('\n')}\n{"step": 99, "lo`;

test('plot draws one panel per metric, joins the logs of a run\'s phases, and darkens the moving average', async () => {
  const dir = await tempDir('plot');
  const [a, b, out] = [path.join(dir, 'a.jsonl'), path.join(dir, 'b.jsonl'), path.join(dir, 'curve.png')];
  await writeFile(a, log(40, (i) => 1 / (1 + i)));
  await writeFile(b, log(20, (i) => 0.02 - i * 1e-4));
  const r = await cli(['plot', a, b, '--out', out, '--keys', 'loss,mse,lr', '--smooth', '5']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `plot: loss, mse, lr over 60 steps of 2 logs; wrote ${out}`);
  const png = await decodePng(new Uint8Array(await readFile(out)));
  assert.ok(E.isRight(png));
  assert.equal(png.right.width, 800);
  assert.equal(png.right.height, 3 * 180);
  // every panel has dark line pixels (the moving average) inside it
  const dark = (y0: number, y1: number) => {
    let n = 0;
    for (let y = y0; y < y1; y++) for (let x = 70; x < 790; x++) {
      const k = (y * 800 + x) * 3;
      if (png.right.data[k] === 20 && png.right.data[k + 1] === 70 && png.right.data[k + 2] === 160) n++;
    }
    return n;
  };
  for (let p = 0; p < 3; p++) assert.ok(dark(p * 180, (p + 1) * 180) > 100, `panel ${p} has its line`);
  const defaults = await cli(['plot', a, '--out', path.join(dir, 'd.png')]);
  assert.match(defaults.out, /^plot: loss, mse over 40 steps of 1 log;/);
});

test('plot refuses a missing file, an unknown metric and a missing --out, each by name', async () => {
  const dir = await tempDir('plot-bad');
  const a = path.join(dir, 'a.jsonl');
  await writeFile(a, log(3, (i) => i));
  const none = await cli(['plot', path.join(dir, 'none.jsonl'), '--out', path.join(dir, 'x.png')]);
  assert.equal(none.code, 1);
  assert.match(none.err, /none\.jsonl: no such file; pass a run's log\.jsonl/);
  const key = await cli(['plot', a, '--out', path.join(dir, 'x.png'), '--keys', 'loss,gan']);
  assert.equal(key.code, 2);
  assert.match(key.err, /--keys: the log has no gan \(it has t, loss, mse, lr\)/);
  const noOut = await cli(['plot', a]);
  assert.equal(noOut.code, 2);
  assert.match(noOut.err, /--out FILE\.png is required/);
});

test('the moving average averages the last window points, and what exists at the start', () => {
  assert.deepEqual(movingAverage([1, 2, 3, 4, 5], 2), [1, 1.5, 2.5, 3.5, 4.5]);
  assert.deepEqual(movingAverage([4, 0, 8], 1), [4, 0, 8]);
  assert.deepEqual(movingAverage([3, 6, 9, 12], 10), [3, 4.5, 6, 7.5]);
});

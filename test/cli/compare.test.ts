import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { variantNames } from '../../src/detailflow/baselines/variants.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const run = async (argv: string[]) => {
  const io = memoryIO();
  const code = await dispatch(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
};

const NUMERIC = ['tokens', 'passes', 'tokenizerParams', 'arParams', 'rfd', 'psnr', 'gfd', 'classAccuracy', 'imagesPerSecond', 'trainSeconds'] as const;

test('compare --budget smoke trains and scores every variant, one finite row each, and a rerun with --reuse loads them', async () => {
  const dir = await tempDir('compare');
  const r = await run(['compare', '--budget', 'smoke', '--backend', 'wasm', '--out', dir, '--json']);
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out) as { budget: { name: string; samples: number; limit: number }; floor: { fd: number; images: number }; rows: Record<string, number | string>[] };
  assert.equal(report.budget.name, 'smoke');
  assert.equal(report.floor.images, report.budget.limit);
  assert.ok(Number.isFinite(report.floor.fd) && report.floor.fd >= 0, `floor ${report.floor.fd}`);
  assert.deepEqual(report.rows.map((row) => row.variant), variantNames);
  for (const row of report.rows) {
    for (const k of NUMERIC) assert.ok(Number.isFinite(row[k]), `${row.variant}.${k} = ${row[k]}`);
    assert.equal(row.samples, report.budget.samples);
    assert.equal(row.testImages, report.budget.limit);
    assert.ok((row.classAccuracy as number) >= 0 && (row.classAccuracy as number) <= 1);
  }
  const by = Object.fromEntries(report.rows.map((row) => [row.variant, row]));
  assert.equal(by.raster.tokens, 64);
  assert.equal(by.raster.passes, 64);
  assert.equal(by.g1.passes, by.g1.tokens, 'g = 1 takes one pass per token');
  assert.ok((by.detailflow.passes as number) < (by.detailflow.tokens as number), 'grouped decoding takes fewer passes than tokens');
  // fsq: the same token layout as DetailFlow, no codebook tensor (smoke: 32 codes x 4), 1000 codes for the AR vocabulary
  assert.deepEqual([by.fsq.tokens, by.fsq.passes], [by.detailflow.tokens, by.detailflow.passes]);
  assert.equal((by.detailflow.tokenizerParams as number) - (by.fsq.tokenizerParams as number), 32 * 4);
  assert.ok((by.fsq.arParams as number) > (by.detailflow.arParams as number), 'a 1000-code vocabulary makes a larger AR embedding and head');
  // g248: groups of 2, then 4, then 8, cut at the smoke budget's N = 8: spans 1, 1, 2, 4, one pass each
  assert.deepEqual([by.g248.tokens, by.g248.passes], [8, 4]);
  // detailflow64: raster's 64 tokens in DetailFlow's layout (smoke: g = C = 2, so 2 single tokens then 31 pairs)
  assert.deepEqual([by.detailflow64.tokens, by.detailflow64.passes], [64, 33]);
  // var: 155 tokens over 7 scales (1, 2, 3, 4, 5, 6, 8), one pass per scale; its decoder reads the 8x8 grid
  assert.deepEqual([by.var.tokens, by.var.passes], [155, 7]);
  for (const v of variantNames) assert.ok(existsSync(path.join(dir, `${v}.safetensors`)), v);

  const again = await run(['compare', '--budget', 'smoke', '--backend', 'wasm', '--out', dir, '--reuse', '--variants', 'raster,no-align,fsq,g248,var']);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /compare raster: loaded/);
  assert.match(again.err, /compare no-align: loaded/);
  assert.match(again.err, /compare fsq: loaded/);
  assert.match(again.err, /compare g248: loaded/);
  assert.match(again.err, /compare var: loaded/);
  const lines = again.out.split('\n');
  assert.match(lines[0], /budget smoke.*on 4 reconstructed test images.*gFD on 4 class-balanced samples/);
  assert.equal(lines[1], `floor of the metric: FD ${report.floor.fd.toFixed(2)} between 4 training images and the 4 test images (real against real)`);
  assert.match(lines[2], /^variant\s+tokens\s+passes/);
  assert.match(lines[3], /^raster\s+64\s+64\s/);
  assert.match(lines[4], /^no-align\s/);
  assert.match(lines[5], /^fsq\s/);
  assert.match(lines[6], /^g248\s+8\s+4\s/);
  assert.match(lines[7], /^var\s+155\s+7\s/);
  // without --reuse a saved row is never trained over: refused before any work
  const over = await run(['compare', '--budget', 'smoke', '--backend', 'wasm', '--out', dir, '--variants', 'raster,fsq']);
  assert.equal(over.code, 2);
  assert.match(over.err, /raster\.safetensors exists \(a row trained earlier\); pass --reuse to load it, or choose another --out/);
  assert.match(over.err, /fsq\.safetensors exists/);
  // with --reuse, a row saved under another budget stops the run instead of being trained again
  const other = await run(['compare', '--budget', 'brief', '--backend', 'wasm', '--out', dir, '--reuse', '--variants', 'raster']);
  assert.equal(other.code, 1);
  assert.match(other.err, /cannot reuse .*raster\.safetensors: .*move it away to train the row again, or choose another --out/);
  const rfd = (name: string) => report.rows.find((row) => row.variant === name)!.rfd as number;
  assert.ok(again.out.includes(rfd('raster').toFixed(2)), 'a loaded variant reconstructs as it did when trained');
  assert.ok(again.out.includes(rfd('fsq').toFixed(2)), 'a loaded FSQ variant reconstructs as it did when trained');
  assert.ok(again.out.includes(rfd('g248').toFixed(2)), 'a loaded partition variant reconstructs as it did when trained');
  assert.ok(again.out.includes(rfd('var').toFixed(2)), 'a loaded next-scale variant reconstructs as it did when trained');
});

test('compare reports bad flags together', async () => {
  const r = await run(['compare', '--variants', 'raster,nope', '--samples', '1', '--reuse', '--budget', 'huge']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown nope/);
  assert.match(r.err, /--samples/);
  assert.match(r.err, /--reuse needs --out/);
  assert.match(r.err, /--budget: expected smoke, brief, small or a \.json file/);
});

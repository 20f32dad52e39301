import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assertFiniteLog, assertReconGrid, gridSize, nodeExample, readPng, root, runExample, type Log } from './run-example.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The examples in the README, each in its smoke mode on wasm (the fastest backend on a CPU).
const out = () => tempDir('example');

test('examples/node/train-tokenizer.ts --smoke trains, the loss at t = N falls, and writes the reconstruction grid', async () => {
  const dir = await out();
  const { summary } = await runExample([...nodeExample('examples/node/train-tokenizer.ts'), '--smoke', '--backend', 'wasm', '--out', dir]);
  const log = summary.log as Log;
  assertFiniteLog(log, 4);
  // only steps on the full image are comparable (a coarse prefix has another target)
  const full = log.filter((m) => m.t === summary.tokens);
  assert.ok(full.length >= 2, `the smoke run trained t = N in ${full.length} step(s); it needs two to compare`);
  assert.ok(full.at(-1)!.loss < full[0].loss, `loss at t = N went from ${full[0].loss} (step ${full[0].step}) to ${full.at(-1)!.loss}`);
  assert.equal(summary.recon, path.join(dir, 'tokenizer-recon.png'));
  await assertReconGrid(summary.recon as string, summary.images as number, summary.prefixes as number[]);
});

test('examples/node/variant.ts --smoke swaps R(n), the degradation, the group size and the partition and trains each', async () => {
  const dir = await out();
  const { summary } = await runExample([...nodeExample('examples/node/variant.ts'), '--smoke', '--backend', 'wasm', '--out', dir]);
  const N = summary.tokens as number;
  const v = Object.fromEntries((summary.variants as Record<string, unknown>[]).map((x) => [x.name, x])) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(v), ['base', 'map', 'degradation', 'group', 'partition']);
  for (const x of Object.values(v)) {
    assertFiniteLog(x.log as Log, 3);
    await assertReconGrid(x.recon as string, summary.images as number, x.prefixes as number[]);
  }
  // each variant changed what it says and nothing else
  assert.notDeepEqual(v.map.resolution, v.base.resolution);
  assert.deepEqual(v.degradation.resolution, v.map.resolution);
  assert.deepEqual(v.group.resolution, v.base.resolution);
  assert.equal(v.group.group, 2 * (v.base.group as number));
  assert.notDeepEqual(v.group.prefixes, v.base.prefixes);
  // groups of 2, then 4, then 8, cut at N = 8: spans 1, 1, 2, 4, one pass each, prefixes at the span ends
  assert.equal(N, 8);
  assert.deepEqual(v.partition.spans, [1, 1, 2, 4]);
  assert.equal(v.partition.passes, 4);
  assert.deepEqual(v.partition.prefixes, [1, 2, 4, 8]);
  assert.deepEqual(v.partition.resolution, v.base.resolution);
  // the targets: one row per variant, one column per prefix t = 1..N
  const targets = await readPng(summary.targets as string);
  assert.deepEqual({ width: targets.width, height: targets.height }, gridSize(N, 5, 64));
});

// The embedded AR model, as a user of the example would sample from it.
const arModel = ['models/ar.safetensors'].find((f) => existsSync(path.join(root, f)));

test('examples/node/sample.ts --smoke samples two images coarse to fine and writes both pictures', async () => {
  assert.ok(arModel, 'no AR model: models/ar.safetensors is missing');
  const dir = await out();
  const { summary } = await runExample([...nodeExample('examples/node/sample.ts'), '--smoke', '--backend', 'wasm', '--out', dir], { DETAILFLOW_AR: arModel });
  assert.equal(summary.images, 2);
  const frames = summary.frames as number[];
  assert.equal(frames.length, summary.passes);
  assert.ok(frames.every((t, i) => i === 0 || t > frames[i - 1]), `prefix lengths ${frames} do not grow`);
  const samples = await readPng(summary.samples as string);
  assert.deepEqual({ width: samples.width, height: samples.height }, gridSize(1, 2, 64));
  const strip = await readPng(summary.progressive as string);
  assert.deepEqual({ width: strip.width, height: strip.height }, gridSize(frames.length, 2, 64));
});

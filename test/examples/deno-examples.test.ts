import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assertFiniteLog, assertReconGrid, denoExample, gridSize, readPng, root, runExample, type Log } from './run-example.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// The Deno examples in the README, in smoke mode on Deno's own WebGPU (the npm package `deno`,
// nothing downloaded). On a fresh machine the first run compiles lavapipe's shaders (tens of seconds).
const out = () => tempDir('deno-example');

test('examples/deno/train-tokenizer.ts --smoke trains on WebGPU under Deno and writes the reconstruction grid', async () => {
  const dir = await out();
  const { summary } = await runExample([...denoExample('examples/deno/train-tokenizer.ts'), '--smoke', '--out', dir]);
  assert.equal(summary.backend, 'webgpu');
  assertFiniteLog(summary.log as Log, 3);
  assert.equal(summary.recon, path.join(dir, 'tokenizer-recon.png'));
  await assertReconGrid(summary.recon as string, summary.images as number, summary.prefixes as number[]);
});

// The embedded AR model, as a user of the example would sample from it.
const arModel = ['models/ar.safetensors'].find((f) => existsSync(path.join(root, f)));

test('examples/deno/sample.ts --smoke samples on WebGPU under Deno and writes both pictures', async () => {
  assert.ok(arModel, 'no AR model: models/ar.safetensors is missing');
  const dir = await out();
  const { summary } = await runExample([...denoExample('examples/deno/sample.ts'), '--smoke', '--ar', arModel, '--out', dir]);
  assert.equal(summary.backend, 'webgpu');
  const frames = summary.frames as number[];
  assert.equal(frames.length, summary.passes);
  const samples = await readPng(summary.samples as string);
  assert.deepEqual({ width: samples.width, height: samples.height }, gridSize(1, 2, 64));
  const strip = await readPng(summary.progressive as string);
  assert.deepEqual({ width: strip.width, height: strip.height }, gridSize(frames.length, 2, 64));
});

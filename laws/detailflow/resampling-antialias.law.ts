import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostImage } from '../../src/detailflow/host-image.ts';
import { antialiasedBilinear } from '../../src/detailflow/resampling-antialias.ts';
import { weightsOf } from '../../src/detailflow/resampling.ts';
import { resampleHost } from '../../src/detailflow/resize-host.ts';

/**
 * Antialiased bilinear against PyTorch 1.13's F.interpolate(mode='bilinear', align_corners=False,
 * antialias=True) (fixture from scripts/golden/pytorch-resampling.py): the position-table resize
 * of the official models, 8x8 and 16x16 grids to every smaller side, and 4 -> 7 growing. PyTorch
 * normalises float32 weights and sums in float32; the project builds float64 weights: measured
 * differences stay below 1.4e-6 on inputs in [-1, 1].
 */
interface Case { name: string; antialias: boolean; inShape: number[]; input: number[]; outShape: number[]; output: number[] }
const cases = (JSON.parse(readFileSync(new URL('../fixtures/pytorch-resampling.json', import.meta.url), 'utf8')) as { cases: Case[] }).cases
  .filter((c) => c.antialias);

test('golden: antialiased bilinear agrees with F.interpolate(antialias=True) to 1e-5', () => {
  assert.ok(cases.length >= 16, 'the fixture holds the position-table cases');
  for (const c of cases) {
    const out = resampleHost(antialiasedBilinear, hostImage(Float32Array.from(c.input), c.inShape[1], c.inShape[2], c.inShape[3]), c.outShape[2], c.outShape[3]);
    let err = 0;
    c.output.forEach((w, k) => { err = Math.max(err, Math.abs(out.data[k] - Math.fround(w))); });
    assert.ok(err <= 1e-5, `${c.name}: off PyTorch by ${err.toExponential(2)}`);
  }
});

test('antialiased 8 -> 1 is the triangle filter 1 - |i + 0.5 - 4| / 8 per axis, normalised (not a plain mean)', () => {
  const w = weightsOf(antialiasedBilinear, 8, 1);
  const tri = Array.from({ length: 8 }, (_, i) => 1 - Math.abs(i + 0.5 - 4) / 8);
  const total = tri.reduce((a, b) => a + b, 0);
  tri.forEach((v, i) => assert.ok(Math.abs(w[i] - v / total) < 1e-12, `tap ${i}: ${w[i]} vs ${v / total}`));
});

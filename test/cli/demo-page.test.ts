// The demo page's labels: each class name sits on its row of both pictures, each prefix t above its
// column of the strip, placed in percent of the picture so that scaling keeps them there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellCentres, demoPage } from '../../src/cli/demo-page.ts';
import { imageGrid, type FloatImage } from '../../src/io/image-grid.ts';
import { fashionMnistClasses } from '../../src/data/fashion-mnist.ts';
import { cellAt, pageLabels } from '../helpers/page-labels.ts';

test('cellCentres are the middles of imageGrid\'s cells', () => {
  const img = (): FloatImage => ({ width: 32, height: 32, channels: 1, data: new Float32Array(32 * 32) });
  const grid = imageGrid(Array.from({ length: 10 * 4 }, img), 4, { scale: 2 }); // 4 columns, 10 rows, pad 2
  const ys = cellCentres(10, 64, 2);
  const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
  ys.forEach((y, r) => near((y / 100) * grid.height, 2 + r * 66 + 32, `row ${r}`));
  cellCentres(4, 64, 2).forEach((x, c) => near((x / 100) * grid.width, 2 + c * 66 + 32, `column ${c}`));
});

test('the demo page labels every row of both pictures with its class, and every column of the strip with its t', () => {
  const prefixes = [1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 32];
  const html = demoPage({
    samplesPng: new Uint8Array([1]), progressivePng: new Uint8Array([2]), classNames: fashionMnistClasses, perClass: 4, passes: 11,
    prefixes, backend: 'wasm', seconds: 1, seed: 0, cfg: 3, cell: 64, pad: 2,
  });
  const [strip, samples] = pageLabels(html);
  assert.ok(strip && samples, 'two labelled pictures');
  const height = 10 * 64 + 11 * 2;
  for (const fig of [strip, samples]) {
    assert.deepEqual(fig.rows.map(([name]) => name), fashionMnistClasses.map((n) => n.replace('&', '&amp;')));
    fig.rows.forEach(([name, top], r) => assert.equal(cellAt(top, height, 64, 2), r, `${name} is not on row ${r}`));
  }
  assert.deepEqual(strip.columns.map(([t]) => Number(t)), prefixes);
  const width = 11 * 64 + 12 * 2;
  strip.columns.forEach(([t, left], c) => assert.equal(cellAt(left, width, 64, 2), c, `t = ${t} is not on column ${c}`));
  assert.deepEqual(samples.columns, []);
});

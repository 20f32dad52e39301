import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { embeddedModel } from '../../src/cli/commands/demo.ts';
import { decodePng } from '../../src/io/png.ts';
import { decodeArFile, decodeTokenizerFile } from '../../src/detailflow/pretrained/model-files.ts';
import { passCount } from '../../src/detailflow/pass-plan.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { cellAt, pageLabels } from '../helpers/page-labels.ts';

const tmp = () => tempDir('demo');

test('the embedded models load, are a matching pair, and fit the size budget', async () => {
  const tokBytes = await readFile(embeddedModel('tokenizer'));
  const arBytes = await readFile(embeddedModel('ar'));
  const tok = decodeTokenizerFile(new Uint8Array(tokBytes));
  const ar = decodeArFile(new Uint8Array(arBytes));
  assert.ok(E.isRight(tok), E.isLeft(tok) ? tok.left : '');
  assert.ok(E.isRight(ar), E.isLeft(ar) ? ar.left : '');
  const t = tok.right.tk.config;
  const a = ar.right.config;
  assert.deepEqual([a.vocab, a.tokens, a.group, a.causal], [t.codebookSize, t.tokens, t.group, t.causal]);
  assert.ok(tokBytes.length + arBytes.length < 12e6, `embedded models take ${(tokBytes.length + arBytes.length) / 1e6} MB (float16: about 9.6)`);
});

test('demo writes the class grid, the coarse-to-fine strip and a self-contained page', async () => {
  const out = path.join(await tmp(), 'out');
  const io = memoryIO();
  const code = await dispatch(['demo', '--out', out, '--per-class', '1', '--backend', 'wasm', '--json'], io);
  assert.equal(code, 0, io.stderr.join('\n'));
  const report = JSON.parse(io.stdout.join('\n'));
  const t = (await import('../../src/cli/models.ts')).loadTokenizer;
  const { tk } = await t(embeddedModel('tokenizer'));
  const passes = passCount(tk.config);
  assert.equal(report.backend, 'wasm');
  assert.equal(report.images, 10);
  assert.equal(report.passesPerImage, passes);
  const side = tk.config.size * 2; // cells are scaled by 2, with 2-pixel padding
  const grid = await decodePng(new Uint8Array(await readFile(path.join(out, 'samples.png'))));
  assert.ok(E.isRight(grid));
  assert.deepEqual([grid.right.width, grid.right.height], [side + 4, 10 * side + 11 * 2]);
  const strip = await decodePng(new Uint8Array(await readFile(path.join(out, 'progressive.png'))));
  assert.ok(E.isRight(strip));
  assert.deepEqual([strip.right.width, strip.right.height], [passes * side + (passes + 1) * 2, 10 * side + 11 * 2]);
  const html = await readFile(path.join(out, 'index.html'), 'utf8');
  assert.equal(html.match(/src="data:image\/png;base64,/g)?.length, 2);
  assert.match(html, /<code>wasm<\/code>/);
  // every class name sits on its own row of both pictures, every pass's t above its column of the strip
  const [stripLabels, gridLabels] = pageLabels(html);
  for (const [labels, png] of [[stripLabels!, strip.right], [gridLabels!, grid.right]] as const) {
    assert.equal(labels.rows.length, 10);
    labels.rows.forEach(([name, top], r) => assert.equal(cellAt(top, png.height, side, 2), r, `${name}: not on row ${r}`));
  }
  const ts = stripLabels!.columns.map(([t]) => Number(t));
  assert.ok(ts.every((t, i) => i === 0 || t > ts[i - 1]!) && ts.at(-1) === tk.config.tokens, `t labels ${ts}`);
  assert.equal(stripLabels!.columns.length, passes);
  stripLabels!.columns.forEach(([t, left], c) => assert.equal(cellAt(left, strip.right.width, side, 2), c, `t = ${t}: not on column ${c}`));
});

test('demo: an unwritable output folder, a missing model file and a bad backend give clear messages', async () => {
  const dir = await tmp();
  const file = path.join(dir, 'a-file');
  await writeFile(file, 'x');
  const cases: [string[], number, RegExp][] = [
    [['--out', path.join(file, 'out')], 2, /--out .*a-file.out: .*a part of .*a-file.* is a file, not a directory; choose another folder/],
    [['--out', path.join(dir, 'o1'), '--ar', path.join(dir, 'missing.safetensors')], 1, /there is no file at .*missing\.safetensors: pass the path of an AR model checkpoint/],
    [['--out', path.join(dir, 'o2'), '--tokenizer', file], 1, /a-file: /],
    [['--out', path.join(dir, 'o3'), '--backend', 'gpu9000'], 2, /--backend: expected one of webgpu, wasm, cpu, onnx-cpu, onnx-webgpu, got 'gpu9000'/],
    [['--per-class', '0'], 2, /--per-class: expected an integer in 1\.\.64, got 0/],
  ];
  for (const [argv, expected, message] of cases) {
    const io = memoryIO();
    const code = await dispatch(['demo', ...argv], io);
    assert.equal(code, expected, `${argv.join(' ')}: ${io.stderr.join('\n')}`);
    assert.match(io.stderr.join('\n'), message);
  }
});

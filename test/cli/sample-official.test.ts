// sample-official on models imported from the official-code fixtures: greedy CFG sampling gives the
// official generation's tokens, every pass is reported, and both pictures are written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { importCommand } from '../../src/cli/commands/import.ts';
import { sampleOfficialCommand } from '../../src/cli/commands/sample-official.ts';
import { loadOfficialModels } from '../../src/cli/official-models.ts';
import { generateOfficial } from '../../src/detailflow/official/generate.ts';
import { decodeTorchSafetensors } from '../../src/detailflow/official/fixture-file.ts';
import { decodePng } from '../../src/io/png.ts';
import { useBackend } from '../../src/compile/backend.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const fixtures = path.resolve(import.meta.dirname, '../../../shared/reference/fixtures');
const dir = await tempDir('sample-official');
const models = path.join(dir, 'models');
const io = () => { const lines = { out: [] as string[], err: [] as string[] }; return { lines, io: { out: (s: string) => lines.out.push(s), err: (s: string) => lines.err.push(s) } }; };

test('sample-official: imported fixture models sample the official tokens and write both pictures', async () => {
  const imp = io();
  const code = await importCommand.run(['--tokenizer', path.join(fixtures, 'tok-tiny-p8.pt'), '--ar', path.join(fixtures, 'ar-tiny-g4.pt'), '--ema',
    '--group', '4', '--encoder-heads', '4', '--decoder-heads', '4', '--heads', '4', '--out', models], imp.io);
  assert.equal(code, 0, imp.lines.err.join('\n'));
  await useBackend('cpu');
  const m = await loadOfficialModels(models);
  const fx = E.getOrElseW((e: Error) => { throw e; })(decodeTorchSafetensors(new Uint8Array(readFileSync(path.join(fixtures, 'ar-tiny-g4.safetensors')))));
  const g = await generateOfficial(m, [1, 4], keyFromSeed(0), { cfg: 1.5, temperature: 0 }, { backend: 'cpu' });
  assert.deepEqual(Array.from(g.tokens.data), Array.from(fx.tensors.get('fixture.out.gen_tokens')!.data as Int32Array));
  assert.equal(g.timings.length, 11);
  assert.deepEqual([g.images[0]!.width, g.images[0]!.height], [64, 64]);

  const run = io();
  const out = path.join(dir, 'samples.png');
  const strip = path.join(dir, 'strip.png');
  assert.equal(await sampleOfficialCommand.run(['--model', models, '--classes', '1,4', '--cfg', '1.5', '--temperature', '0', '--backend', 'cpu', '--out', out, '--progressive', strip], run.io), 0);
  assert.equal(run.lines.err.filter((l) => /^pass \d+\/11: \d+ tokens/.test(l)).length, 11);
  const png = await decodePng(new Uint8Array(readFileSync(out)));
  assert.ok(E.isRight(png));
  const stripPng = await decodePng(new Uint8Array(readFileSync(strip)));
  assert.ok(E.isRight(stripPng));
  assert.ok(stripPng.right.width > 11 * 64, 'one column per pass');
  const bad = io();
  assert.equal(await sampleOfficialCommand.run(['--model', models, '--classes', '10', '--out', out], bad.io), 2);
  assert.match(bad.lines.err.join('\n'), /the model has 10 classes; 10 are not among them/);
});

test('reconstruct-official: a picture through the imported tokenizer, one column per prefix', async () => {
  const { reconstructOfficialCommand } = await import('../../src/cli/commands/reconstruct-official.ts');
  const { reconstructOfficial, pictureInput } = await import('../../src/detailflow/official/reconstruct.ts');
  const { encodePng } = await import('../../src/io/png.ts');
  const { writeFileSync } = await import('node:fs');
  await useBackend('cpu');
  const tok = E.getOrElseW((e: Error) => { throw e; })(decodeTorchSafetensors(new Uint8Array(readFileSync(path.join(fixtures, 'tok-tiny-p8.safetensors')))));
  const m = await loadOfficialModels(models);
  // the fixture's own image, fed in directly, reconstructs as the official decoder does at t = 4 and 32
  const images = tok.tensors.get('fixture.in.images')!;
  const first = { data: (images.data as Float32Array).slice(0, 3 * 64 * 64), shape: [1, 3, 64, 64], dtype: 'float32' as const };
  const r = await reconstructOfficial(m.tokenizer, first, [4, 32], 'cpu');
  for (const [i, t] of [[0, 4], [1, 32]] as const) {
    const want = tok.tensors.get(`fixture.out.recon_from_codes_t${t}`)!.data as Float32Array;
    const got = r.frames[i]!.image.data;
    assert.ok(got.every((v, j) => Math.abs(v - want[j]!) < 1e-4), `t = ${t}`);
  }
  // a 100 x 80 RGBA picture is centre-cropped and resized to 64 px
  const rgba = { width: 100, height: 80, channels: 4 as const, data: Uint8Array.from({ length: 100 * 80 * 4 }, (_, i) => (i * 37) % 256) };
  assert.deepEqual(pictureInput(rgba, 64).shape, [1, 3, 64, 64]);
  const file = path.join(dir, 'photo.png');
  writeFileSync(file, await encodePng(rgba));
  const out = path.join(dir, 'recon.png');
  const run = io();
  assert.equal(await reconstructOfficialCommand.run(['--model', models, '--image', file, '--out', out, '--backend', 'cpu'], run.io), 0, run.lines.err.join('\n'));
  assert.match(run.lines.out.join('\n'), /prefixes t = 1, 2, 4, 8, 16, 32 \(sides 8, 8, 16, 24, 40, 64\)/);
});

test('sample --model and reconstruct --model take an imported folder (the official commands, same pictures)', async () => {
  const { sampleCommand } = await import('../../src/cli/commands/sample.ts');
  const { reconstructCommand } = await import('../../src/cli/commands/reconstruct.ts');
  const { reconstructOfficialCommand } = await import('../../src/cli/commands/reconstruct-official.ts');
  const args = ['--model', models, '--classes', '1,4', '--cfg', '1.5', '--temperature', '0', '--backend', 'cpu'];
  const [viaSample, viaOfficial] = [path.join(dir, 'via-sample.png'), path.join(dir, 'via-official.png')];
  const a = io();
  assert.equal(await sampleCommand.run([...args, '--out', viaSample], a.io), 0, a.lines.err.join('\n'));
  assert.equal(await sampleOfficialCommand.run([...args, '--out', viaOfficial], io().io), 0);
  assert.deepEqual(readFileSync(viaSample), readFileSync(viaOfficial));
  const clash = io();
  assert.equal(await sampleCommand.run([...args, '--ar', 'x.safetensors', '--out', viaSample], clash.io), 2);
  assert.match(clash.lines.err.join('\n'), /--ar does not go with --model/);

  const photo = path.join(dir, 'photo.png');
  const [r1, r2] = [path.join(dir, 'r1.png'), path.join(dir, 'r2.png')];
  assert.equal(await reconstructCommand.run(['--model', models, '--image', photo, '--out', r1, '--backend', 'cpu'], io().io), 0);
  assert.equal(await reconstructOfficialCommand.run(['--model', models, '--image', photo, '--out', r2, '--backend', 'cpu'], io().io), 0);
  assert.deepEqual(readFileSync(r1), readFileSync(r2));
  const noImage = io();
  assert.equal(await reconstructCommand.run(['--model', models], noImage.io), 2);
  assert.match(noImage.lines.err.join('\n'), /--model reconstructs your own picture: give --image FILE\.png/);
});

test('demo --model DIR: the demo page with imported models, one row per class, every pass reported', async () => {
  const { demoCommand } = await import('../../src/cli/commands/demo.ts');
  const out = path.join(dir, 'demo');
  const run = io();
  const code = await demoCommand.run(['--model', models, '--classes', '1,4', '--per-class', '2', '--cfg', '1.5', '--backend', 'cpu', '--out', out, '--json'], run.io);
  assert.equal(code, 0, run.lines.err.join('\n'));
  assert.equal(run.lines.err.filter((l) => /^demo: pass \d+\/11: \d+ tokens/.test(l)).length, 11);
  const report = JSON.parse(run.lines.out.at(-1)!);
  assert.equal(report.images, 4);
  assert.equal(report.passesPerImage, 11);
  const grid = await decodePng(new Uint8Array(readFileSync(path.join(out, 'samples.png'))));
  assert.ok(E.isRight(grid));
  // 64-px cells, padding 2: two columns (samples per class), two rows (classes)
  assert.deepEqual([grid.right.width, grid.right.height], [2 * 64 + 3 * 2, 2 * 64 + 3 * 2]);
  const strip = await decodePng(new Uint8Array(readFileSync(path.join(out, 'progressive.png'))));
  assert.ok(E.isRight(strip));
  assert.deepEqual([strip.right.width, strip.right.height], [11 * 64 + 12 * 2, 2 * 64 + 3 * 2]);
  const html = readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.match(html, /class 1/);
  assert.match(html, /class 4/);
  assert.match(html, /11 passes per image/);
  const bad = io();
  assert.equal(await demoCommand.run(['--model', models, '--classes', '12', '--out', out], bad.io), 2);
  assert.match(bad.lines.err.join('\n'), /the model has 10 classes; 12 are not among them/);
  const clash = io();
  assert.equal(await demoCommand.run(['--classes', '1'], clash.io), 2);
  assert.match(clash.lines.err.join('\n'), /--classes goes with --model/);
});

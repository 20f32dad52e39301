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

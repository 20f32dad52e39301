// sample, reconstruct, eval and schedule run with no model or configuration flags: they default to
// the shipped models (found from the package, not the working directory) and their configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Command } from '../../src/cli/command.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { shippedModel } from '../../src/cli/models.ts';
import { scheduleCommand } from '../../src/cli/commands/schedule.ts';
import { reconstructCommand } from '../../src/cli/commands/reconstruct.ts';
import { sampleCommand } from '../../src/cli/commands/sample.ts';
import { evalCommand } from '../../src/cli/commands/eval.ts';
import { reconstructOfficialCommand } from '../../src/cli/commands/reconstruct-official.ts';
import { decodePng, encodePng, type PngImage } from '../../src/io/png.ts';
import { pictureInput } from '../../src/detailflow/picture.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const run = async (cmd: Command, argv: string[]) => {
  const io = memoryIO();
  const code = await cmd.run(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n'), stderr: io.stderr };
};

const png = async (file: string): Promise<PngImage> => {
  const r = await decodePng(new Uint8Array(await readFile(file)));
  assert.ok(E.isRight(r), `${file} is not a PNG`);
  return r.right;
};

/** A small colour picture, wider than high (so the centre crop matters): a gradient with a bright disc. */
const picture = (width = 48, height = 36): PngImage => {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const disc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (height / 4) ** 2;
      data.set(disc ? [250, 240, 230] : [x * 4, y * 5, 40], (y * width + x) * 3);
    }
  }
  return { width, height, channels: 3, data };
};

// The shipped tokenizer: 32 px, N = 32, g = C = 4, patch 4; 11 pass-plan prefixes.
const PASSES = 11;
const CELL = 64; // 32 px at scale 2
const gridSide = (cells: number) => cells * CELL + (cells + 1) * 2;

test('schedule with no flags shows the shipped tokenizer\'s configuration; single flags change one field of it', async () => {
  const r = await run(scheduleCommand, []);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.match(lines[0]!, /of the shipped tokenizer \(models\/tokenizer\.safetensors\): size 32, tokens 32, group 4, causal 4, alpha 1\.5, patch 4, degradeProb 0\.2$/);
  assert.ok(lines.includes(`sampler passes: ${PASSES}`));
  const alpha = await run(scheduleCommand, ['--alpha', '2', '--json']);
  assert.equal(alpha.code, 0, alpha.err);
  const j = JSON.parse(alpha.out) as { rows: { n: number; resolution: number }[]; passes: unknown[] };
  assert.equal(j.rows.length, 32);
  assert.equal(j.passes.length, PASSES);
  // R(n) = trunc(H - (H-1) (N-n)^alpha / (N-1)^alpha): alpha 2 instead of 1.5, the rest as shipped
  assert.equal(j.rows[15]!.resolution, Math.trunc(32 - (31 * 16 ** 2) / 31 ** 2)); // 23; 20 at alpha 1.5
  const same = await run(scheduleCommand, ['--tokenizer', shippedModel('tokenizer'), '--json']);
  assert.equal(same.code, 0, same.err);
  assert.deepEqual(JSON.parse(same.out).passes, JSON.parse((await run(scheduleCommand, ['--json'])).out).passes);
});

test('schedule: --tokenizer with shape flags, or an AR checkpoint as --tokenizer, exit 2', async () => {
  const both = await run(scheduleCommand, ['--tokenizer', shippedModel('tokenizer'), '--size', '64']);
  assert.equal(both.code, 2);
  assert.match(both.err, /--tokenizer reads the configuration from a checkpoint; --size, --tokens and --group describe one of your own/);
  const ar = await run(scheduleCommand, ['--tokenizer', shippedModel('ar')]);
  assert.equal(ar.code, 2);
  assert.match(ar.err, /ar\.safetensors is an AR model checkpoint, not a tokenizer/);
});

test('reconstruct --image: the coarse-to-fine strip of any picture, into a folder that does not exist yet', async () => {
  const dir = await tempDir('recon-image');
  const file = path.join(dir, 'photo.png');
  const pic = picture();
  await writeFile(file, await encodePng(pic));
  const out = path.join(dir, 'new', 'folder', 'strip.png');
  const r = await run(reconstructCommand, ['--image', file, '--out', out, '--backend', 'wasm', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.picture, '48x36 RGB');
  assert.deepEqual([j.size, j.channels, j.out], [32, 1, out]);
  assert.deepEqual(j.prefixes.map((p: { t: number }) => p.t), [1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 32]);
  assert.ok(j.prefixes.every((p: { psnr: number }) => Number.isFinite(p.psnr)));
  // one row: every prefix, then the picture as the model sees it
  const strip = await png(out);
  assert.deepEqual([strip.width, strip.height, strip.channels], [gridSide(PASSES + 1), gridSide(1), 1]);
  // the last cell is the centre 36x36 of the picture, grey by luma, resized to 32 px with the project's resampler
  const x = pictureInput(pic, 32, 1).data as Float32Array;
  const left = 2 + PASSES * (CELL + 2);
  for (const [px, py] of [[0, 0], [16, 16], [31, 5]] as const) {
    const want = Math.round((Math.max(-1, Math.min(1, x[py * 32 + px]!)) + 1) * 127.5);
    assert.equal(strip.data[(2 + py * 2) * strip.width + left + px * 2], want, `pixel ${px},${py}`);
  }
  // the text form names the file, the crop and the model's size
  const t = await run(reconstructCommand, ['--image', file, '--out', out, '--backend', 'wasm']);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /photo\.png \(48x36 RGB; its centre 36x36 resized to 32x32 grey\)/);
});

test('reconstruct --image: an unreadable picture exits 2 with one line naming the file; nothing is written', async () => {
  const dir = await tempDir('recon-bad');
  const good = await encodePng(picture());
  const cases: [string, Uint8Array | undefined, RegExp][] = [
    ['missing.png', undefined, /there is no file at .*missing\.png/],
    ['notes.png', new TextEncoder().encode('not a picture'), /notes\.png: not a readable PNG: .*PNG signature/],
    ['cut.png', good.subarray(0, Math.floor(good.length / 2)), /cut\.png: not a readable PNG: /],
  ];
  for (const [name, bytes, message] of cases) {
    const file = path.join(dir, name);
    if (bytes) await writeFile(file, bytes);
    const r = await run(reconstructCommand, ['--image', file, '--out', path.join(dir, 'out', 'strip.png')]);
    assert.equal(r.code, 2, `${name}: ${r.err}`);
    assert.equal(r.stderr.length, 1, `${name}: ${r.err}`);
    assert.doesNotMatch(r.err, /\n/, name);
    assert.match(r.err, new RegExp(`^detailflow reconstruct: --image ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    assert.match(r.err, message);
  }
  // reconstruct-official reads pictures the same way, before its models
  const official = await run(reconstructOfficialCommand, ['--model', path.join(dir, 'no-models'), '--image', path.join(dir, 'notes.png'), '--out', path.join(dir, 'out', 'o.png')]);
  assert.equal(official.code, 2, official.err);
  assert.match(official.err, /^detailflow reconstruct-official: --image .*notes\.png: not a readable PNG: [^\n]*$/);
  const flags = await run(reconstructCommand, ['--image', path.join(dir, 'cut.png'), '--count', '3']);
  assert.equal(flags.code, 2);
  assert.match(flags.err, /--count applies to test images, not to --image/);
  assert.deepEqual((await readdir(dir)).sort(), ['cut.png', 'notes.png', 'out']);
  assert.deepEqual(await readdir(path.join(dir, 'out')), []);
});

test('reconstruct with no model flag: the grid and the report both cover --count images, not a hidden 1000', async () => {
  const dir = await tempDir('recon-count');
  const out = path.join(dir, 'grid', 'recon.png');
  const r = await run(reconstructCommand, ['--count', '2', '--out', out, '--backend', 'wasm', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.images, 2);
  assert.deepEqual(j.grid, { images: 2, out });
  const grid = await png(out);
  assert.deepEqual([grid.width, grid.height], [gridSide(PASSES + 1), gridSide(2)]);
  const t = await run(reconstructCommand, ['--count', '2', '--eval', '3', '--out', out, '--backend', 'wasm']);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /grid of the first 2 test images written to /);
  assert.match(t.out, /scored on the first 3 test images/);
});

test('sample with no model flags: the shipped pair at the demo\'s guidance, into a folder that does not exist yet', async () => {
  const dir = await tempDir('sample-defaults');
  const out = path.join(dir, 'a', 'b', 'samples.png');
  const r = await run(sampleCommand, ['--out', out, '--classes', '1,7', '--per-class', '1', '--backend', 'wasm', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual([j.images, j.passesPerImage, j.cfg, j.out], [2, PASSES, 3, out]);
  const grid = await png(out);
  assert.deepEqual([grid.width, grid.height], [gridSide(1), gridSide(2)]);
});

test('swapped --tokenizer/--ar files exit 2 saying they look swapped, before any work; one file in the wrong role too', async () => {
  const dir = await tempDir('swapped');
  const [tok, ar] = [shippedModel('tokenizer'), shippedModel('ar')];
  const out = path.join(dir, 'x.png');
  for (const cmd of [sampleCommand, evalCommand]) {
    const r = await run(cmd, ['--tokenizer', ar, '--ar', tok, ...(cmd === sampleCommand ? ['--out', out] : ['--limit', '4'])]);
    assert.equal(r.code, 2, `${cmd.name}: ${r.err}`);
    assert.match(r.err, new RegExp(`^detailflow ${cmd.name}: --tokenizer .*ar\\.safetensors and --ar .*tokenizer\\.safetensors look swapped: .*pass them the other way round$`));
  }
  const one = await run(sampleCommand, ['--ar', tok, '--out', out]);
  assert.equal(one.code, 2, one.err);
  assert.match(one.err, /--ar .*tokenizer\.safetensors is a tokenizer checkpoint, not an AR model; pass it as --tokenizer/);
  const recon = await run(reconstructCommand, ['--tokenizer', ar, '--out', out]);
  assert.equal(recon.code, 2, recon.err);
  assert.match(recon.err, /--tokenizer .*ar\.safetensors is an AR model checkpoint, not a tokenizer/);
  assert.deepEqual(await readdir(dir), [], 'nothing was written');
});

test('eval with no model flags scores the shipped pair (here on a tiny limit); --full is documented', async () => {
  const r = await run(evalCommand, ['--limit', '10', '--samples', '10', '--batch', '10', '--backend', 'wasm', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual([j.tokenizer, j.ar, j.evaluator.file], ['tokenizer.safetensors', 'ar.safetensors', 'evaluator.safetensors']);
  assert.deepEqual([j.reconstruction.images, j.generation.samples], [10, 10]);
  // a tokenizer of one's own is scored alone: the shipped AR model does not speak its codes
  const own = await run(evalCommand, ['--tokenizer', shippedModel('tokenizer'), '--cfg', '2']);
  assert.equal(own.code, 2);
  assert.match(own.err, /--cfg needs --ar/);
  assert.match(evalCommand.usage, /--full scores all\s+test images \(M = 10000\) and N = 10000 samples/);
  assert.match(evalCommand.usage, /by default M = 1000 and N = 1000, about a minute/);
});

/**
 * The web page in a real browser (Debian's Chromium, headless, SwiftShader WebGPU): it generates
 * on WebGPU, redraws after every pass, and agrees with the Node library; bad models, a missing
 * adapter and GPU faults are visible messages.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { decodeArFile, decodeTokenizerFile } from '../../src/detailflow/pretrained/model-files.ts';
import { generator } from '../../src/detailflow/pretrained/generator.ts';
import { toByte } from '../../src/io/image-grid.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { readFileBytes } from '../../src/platform/files.ts';
import { facts, generate, NO_ADAPTER, NO_WEBGPU_NO_SIMD, RECORD_FRAMES, root, startSession, visibleText, type Session } from './browser.ts';

const TOKENIZER = 'models/tokenizer.safetensors';
const AR = 'models/ar.safetensors';
const REQUEST = { label: 3, seed: 7, cfg: 3, temperature: 1 };
/** Largest |page - Node| per pixel value in [-1, 1]: with the same tokens, fp32 WebGPU and wasm differ by rounding (about 1e-6). */
const TOLERANCE = 1e-4;
const MODELS = '?tokenizer=test-models/tokenizer.safetensors&ar=test-models/ar.safetensors';

let pending: Promise<Session> | undefined;
const session = (): Promise<Session> => {
  for (const f of [TOKENIZER, AR]) assert.ok(existsSync(path.join(root, f)), `${f} is missing: the browser test generates with the embedded models ${TOKENIZER} and ${AR}`);
  pending ??= startSession({ 'tokenizer.safetensors': TOKENIZER, 'ar.safetensors': AR }).then(async (s) => {
    await writeFile(path.join(s.dir, 'test-models/corrupt.safetensors'), (await readFile(path.join(root, AR))).subarray(0, 5000));
    return s;
  });
  return pending;
};
after(async () => { await pending?.then((s) => s.close(), () => undefined); });

/** A file's bytes as the CLI reads them (a plain Uint8Array, not a Node Buffer). */
const bytesOf = async (file: string): Promise<Uint8Array> => {
  const b = await readFileBytes(path.join(root, file));
  if (E.isLeft(b)) throw b.left;
  return b.right;
};

/** The same generation with the library in Node, on wasm. */
const reference = async () => {
  const tok = decodeTokenizerFile(await bytesOf(TOKENIZER));
  const ar = decodeArFile(await bytesOf(AR));
  if (E.isLeft(tok) || E.isLeft(ar)) throw new Error(`the test models do not load: ${[tok, ar].filter(E.isLeft).map((x) => x.left).join('; ')}`);
  const gen = generator({ tokenizer: tok.right, ar: ar.right }, { backend: 'wasm' });
  const g = await gen.generate([REQUEST.label], keyFromSeed(REQUEST.seed), { cfg: REQUEST.cfg, temperature: REQUEST.temperature });
  return { tokens: Array.from(g.tokens.data), image: g.images[0]!, passes: g.passes };
};

test('the page generates on WebGPU, redraws after every pass, and matches the Node library', async (t) => {
  const want = await reference();
  const s = await session();
  const started = performance.now();
  const page = await s.open(MODELS, RECORD_FRAMES);
  const ready = await facts(page);
  assert.equal(ready.state, 'ready', `the page did not get ready: ${ready.errors.join('; ')}`);
  assert.equal(ready.backend, 'webgpu', `the page fell back to ${ready.backend}: ${ready.notices.join('; ')}`);
  assert.match(await visibleText(page, '#backend'), /^webgpu$/);
  // the download bars end full, at the files' sizes
  const bars = await page.evaluate(() => ['tokenizer', 'ar'].map((n) => {
    const b = document.getElementById(`progress-${n}`) as HTMLProgressElement;
    return [b.value, b.max];
  }));
  const sizes = await Promise.all([TOKENIZER, AR].map(async (f) => (await stat(path.join(root, f))).size));
  assert.deepEqual(bars, sizes.map((n) => [n, n]));
  const blank = await page.evaluate(() => { const w = window as unknown as { frameHashes: number[] }; return w.frameHashes.length; });
  assert.equal(blank, 0);
  await generate(page, REQUEST);
  const got = await facts(page);
  assert.equal(got.state, 'done', `generation failed: ${got.errors.join('; ')}`);
  assert.equal(got.backend, 'webgpu');
  assert.equal(got.notices.length, 0, `unexpected notices: ${got.notices.join('; ')}`);

  // one drawing per pass, each different from the one before
  const hashes = await page.evaluate(() => (window as unknown as { frameHashes: number[] }).frameHashes);
  assert.equal(hashes.length, want.passes, `expected a frame for each of the ${want.passes} passes`);
  assert.equal(got.passes.length, want.passes);
  hashes.slice(1).forEach((h, i) => assert.notEqual(h, hashes[i], `the canvas did not change at pass ${i + 2}`));
  assert.deepEqual(got.passes.map((p) => p.index), got.passes.map((_, i) => i));

  // the same tokens and, within fp32 rounding, the same image as the library in Node
  const last = got.last!;
  const diff = last.tokens.findIndex((v, i) => v !== want.tokens[i]);
  assert.equal(diff, -1, `token ${diff} differs: page ${last.tokens[diff]}, Node ${want.tokens[diff]} (page ${last.tokens.join(',')}; Node ${want.tokens.join(',')})`);
  assert.deepEqual([last.image.width, last.image.height, last.image.channels], [want.image.width, want.image.height, want.image.channels]);
  const maxDiff = last.image.data.reduce((m, v, i) => Math.max(m, Math.abs(v - want.image.data[i]!)), 0);
  assert.ok(maxDiff <= TOLERANCE, `the page's image differs from Node's by up to ${maxDiff} (tolerance ${TOLERANCE})`);

  // the canvas shows that image (nearest upscaling by a whole factor)
  const shown = await page.evaluate((side) => {
    const c = document.getElementById('canvas') as HTMLCanvasElement;
    const k = c.width / side;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: side * side }, (_, p) => d[((Math.floor(p / side) * k + k / 2) * c.width + (p % side) * k + k / 2) * 4]!);
  }, last.image.width);
  const expected = Array.from(last.image.data.slice(0, last.image.width * last.image.height), toByte);
  const off = shown.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
  assert.ok(off <= 1, `the canvas differs from the generated image by ${off} levels`);

  const ms = got.passes.map((p) => p.ms.toFixed(0)).join(', ');
  t.diagnostic(`WebGPU (${got.adapter}): ms per pass ${ms}; max |page - Node| ${maxDiff.toExponential(2)}; page open to done ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const shot = process.env.DETAILFLOW_WEB_SCREENSHOT;
  if (shot) await page.screenshot({ path: path.resolve(root, shot), fullPage: true });
  await page.close();
});

test('a missing or corrupt model file is a visible error naming the file', async () => {
  const s = await session();
  for (const [query, pattern] of [
    ['', /tokenizer: could not fetch .*models\/tokenizer\.safetensors: HTTP 404/],
    ['?tokenizer=test-models/tokenizer.safetensors&ar=test-models/corrupt.safetensors', /AR model: corrupt\.safetensors \(5000 bytes\) is not a usable AR model/],
  ] as const) {
    const page = await s.open(query);
    const f = await facts(page);
    assert.equal(f.state, 'error');
    assert.match(await visibleText(page, '#errors'), pattern);
    assert.equal(await page.isDisabled('#generate'), true);
    await page.close();
  }
});

test('without a WebGPU adapter the page says so and generates on wasm, as Node does', async () => {
  const want = await reference();
  const s = await session();
  const page = await s.open(MODELS, NO_ADAPTER);
  assert.match(await visibleText(page, '#notice'), /No WebGPU: the browser offers no WebGPU adapter.*Falling back to WebAssembly/);
  assert.match(await visibleText(page, '#backend'), /^wasm$/);
  await generate(page, REQUEST);
  const got = await facts(page);
  assert.equal(got.state, 'done', got.errors.join('; '));
  assert.deepEqual(got.last!.tokens, want.tokens);
  const maxDiff = got.last!.image.data.reduce((m, v, i) => Math.max(m, Math.abs(v - want.image.data[i]!)), 0);
  assert.ok(maxDiff <= TOLERANCE, `wasm in the browser differs from wasm in Node by ${maxDiff}`);
  await page.close();
});

test('without WebGPU and without wasm SIMD the page says what is missing', async () => {
  const s = await session();
  const page = await s.open(MODELS, NO_WEBGPU_NO_SIMD);
  assert.equal((await facts(page)).state, 'error');
  assert.match(await visibleText(page, '#errors'), /no WebGPU \(navigator\.gpu is missing\), and WebAssembly SIMD is not available either/);
  await page.close();
});

for (const [fault, pattern] of [['invalid-shader', /WebGPU validation error/], ['device-loss', /WebGPU device was lost/]] as const) {
  test(`a WebGPU fault (${fault}) is a visible error, and nothing is drawn after it`, async () => {
    const s = await session();
    const page = await s.open(`${MODELS}&fault=${fault}`, RECORD_FRAMES);
    assert.equal((await facts(page)).backend, 'webgpu');
    await generate(page, REQUEST);
    const f = await facts(page);
    assert.equal(f.state, 'error');
    assert.match(await visibleText(page, '#errors'), pattern);
    assert.equal(await page.evaluate(() => (window as unknown as { frameHashes: number[] }).frameHashes.length), 1, 'only the pass before the fault is drawn');
    await page.close();
  });
}

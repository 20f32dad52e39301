/**
 * The web page in a real browser (Debian's Chromium, headless, SwiftShader WebGPU): on that
 * software adapter it runs on wasm and says so, paints every pass as it arrives, and agrees with
 * the Node library; one click generates on WebGPU, which agrees too, and the shader-compile note
 * comes only with the first WebGPU run. Bad models, a missing adapter and GPU faults are visible
 * messages.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import * as E from 'fp-ts/lib/Either.js';
import { decodeArFile, decodeTokenizerFile } from '../../src/detailflow/pretrained/model-files.ts';
import { generator } from '../../src/detailflow/pretrained/generator.ts';
import { toByte } from '../../src/io/image-grid.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { readFileBytes } from '../../src/platform/files.ts';
import { clearRecorded, facts, generate, NO_ADAPTER, NO_WEBGPU_NO_SIMD, RECORD_FRAMES, recorded, root, settled, startSession, visibleText, type PageFacts, type Session } from './browser.ts';

const TOKENIZER = 'models/tokenizer.safetensors';
const AR = 'models/ar.safetensors';
const REQUEST = { label: 3, seed: 7, cfg: 3, temperature: 1 };
/** Largest |page - Node| per pixel value in [-1, 1]: with the same tokens, fp32 WebGPU and wasm differ by rounding (about 1e-6). */
const TOLERANCE = 1e-4;
const MODELS = '?tokenizer=test-models/tokenizer.safetensors&ar=test-models/ar.safetensors';
const SHADER_NOTE = /shaders/;

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

type Reference = { tokens: number[]; image: { width: number; height: number; channels: number; data: Float32Array }; passes: number };
let referenceRun: Promise<Reference> | undefined;
/** The same generation with the library in Node, on wasm (run once). */
const reference = (): Promise<Reference> => referenceRun ??= (async () => {
  const tok = decodeTokenizerFile(await bytesOf(TOKENIZER));
  const ar = decodeArFile(await bytesOf(AR));
  if (E.isLeft(tok) || E.isLeft(ar)) throw new Error(`the test models do not load: ${[tok, ar].filter(E.isLeft).map((x) => x.left).join('; ')}`);
  const gen = generator({ tokenizer: tok.right, ar: ar.right }, { backend: 'wasm' });
  const g = await gen.generate([REQUEST.label], keyFromSeed(REQUEST.seed), { cfg: REQUEST.cfg, temperature: REQUEST.temperature });
  return { tokens: Array.from(g.tokens.data), image: g.images[0]!, passes: g.passes };
})();

/** The page's last generation against Node's: a frame per pass, each painted before the next pass, the same tokens and image, and that image on the canvas. Returns max |page - Node|. */
const checkGeneration = async (page: Page, got: PageFacts, want: Reference, backend: string): Promise<number> => {
  assert.equal(got.state, 'done', `generation on ${backend} failed: ${got.errors.join('; ')}`);
  assert.equal(got.backend, backend);
  const r = await recorded(page);
  assert.equal(r.frameHashes.length, want.passes, `expected a frame for each of the ${want.passes} passes`);
  assert.equal(got.passes.length, want.passes);
  r.frameHashes.slice(1).forEach((h, i) => assert.notEqual(h, r.frameHashes[i], `the canvas did not change at pass ${i + 2}`));
  assert.deepEqual(got.passes.map((p) => p.index), got.passes.map((_, i) => i));
  // every pass, the first included, gets an animation frame (a paint) before the next pass is drawn
  r.frameTimes.forEach((f, i) => {
    const next = r.frameTimes[i + 1];
    assert.ok(f.painted !== null && (!next || f.painted < next.drawn), `pass ${i + 1} on ${backend} was not painted before pass ${i + 2} was drawn (drawn at ${f.drawn.toFixed(0)} ms, next frame ${f.painted?.toFixed(0)} ms, pass ${i + 2} drawn at ${next?.drawn.toFixed(0)} ms)`);
  });

  // the same tokens and, within fp32 rounding, the same image as the library in Node
  const last = got.last!;
  const diff = last.tokens.findIndex((v, i) => v !== want.tokens[i]);
  assert.equal(diff, -1, `token ${diff} differs on ${backend}: page ${last.tokens[diff]}, Node ${want.tokens[diff]} (page ${last.tokens.join(',')}; Node ${want.tokens.join(',')})`);
  assert.deepEqual([last.image.width, last.image.height, last.image.channels], [want.image.width, want.image.height, want.image.channels]);
  const maxDiff = last.image.data.reduce((m, v, i) => Math.max(m, Math.abs(v - want.image.data[i]!)), 0);
  assert.ok(maxDiff <= TOLERANCE, `the page's image on ${backend} differs from Node's by up to ${maxDiff} (tolerance ${TOLERANCE})`);

  // the canvas shows that image (nearest upscaling by a whole factor)
  const shown = await page.evaluate((side) => {
    const c = document.getElementById('canvas') as HTMLCanvasElement;
    const k = c.width / side;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: side * side }, (_, p) => d[((Math.floor(p / side) * k + k / 2) * c.width + (p % side) * k + k / 2) * 4]!);
  }, last.image.width);
  const expected = Array.from(last.image.data.slice(0, last.image.width * last.image.height), toByte);
  const off = shown.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
  assert.ok(off <= 1, `the canvas on ${backend} differs from the generated image by ${off} levels`);
  return maxDiff;
};

const msPerPass = (f: PageFacts): string => f.passes.map((p) => p.ms.toFixed(0)).join(', ');

test('on a software WebGPU adapter the page runs on wasm and says so; one click generates on WebGPU; both match the Node library', async (t) => {
  const [want, s] = await Promise.all([reference(), session()]);
  const page = await s.open(MODELS, RECORD_FRAMES);

  await t.test('by default: wasm, the adapter named, every pass painted as it arrives, no shader note', async () => {
    const ready = await facts(page);
    assert.equal(ready.state, 'ready', `the page did not get ready: ${ready.errors.join('; ')}`);
    assert.equal(ready.backend, 'wasm', 'headless Chromium offers only SwiftShader, a software adapter: the page should choose wasm');
    assert.equal(ready.adapter, 'google swiftshader');
    assert.match(await visibleText(page, '#backend'), /^wasm$/);
    assert.match(await visibleText(page, '#adapter'), /^\(the WebGPU adapter, google swiftshader, is a software one: wasm is faster here\)$/);
    assert.equal(await visibleText(page, '#switch-backend'), 'Generate on WebGPU instead');
    assert.deepEqual(ready.notices, []);
    // the download bars end full, at the files' sizes
    const bars = await page.evaluate(() => ['tokenizer', 'ar'].map((n) => {
      const b = document.getElementById(`progress-${n}`) as HTMLProgressElement;
      return [b.value, b.max];
    }));
    const sizes = await Promise.all([TOKENIZER, AR].map(async (f) => (await stat(path.join(root, f))).size));
    assert.deepEqual(bars, sizes.map((n) => [n, n]));
    assert.equal((await recorded(page)).frameHashes.length, 0);

    await clearRecorded(page);
    const started = performance.now();
    await generate(page, REQUEST);
    const seconds = (performance.now() - started) / 1000;
    const got = await facts(page);
    const maxDiff = await checkGeneration(page, got, want, 'wasm');
    assert.equal(got.notices.length, 0, `unexpected notices: ${got.notices.join('; ')}`);
    const captions = (await recorded(page)).captions;
    assert.match(captions[0] ?? '', /^Running pass 1 of 11\u2026$/);
    assert.deepEqual(captions.filter((c) => SHADER_NOTE.test(c)), [], 'no shaders are compiled on wasm');
    t.diagnostic(`wasm: ms per pass ${msPerPass(got)}; max |page - Node| ${maxDiff.toExponential(2)}; first image ${seconds.toFixed(1)} s`);
    const shot = process.env.DETAILFLOW_WEB_SCREENSHOT;
    if (shot) await page.screenshot({ path: path.resolve(root, shot), fullPage: true });
  });

  await t.test('one click: WebGPU (SwiftShader) generates the same, and only its first run notes the shader compilation', async () => {
    await clearRecorded(page);
    const started = performance.now();
    await page.click('#switch-backend');
    await settled(page);
    const seconds = (performance.now() - started) / 1000;
    const got = await facts(page);
    const maxDiff = await checkGeneration(page, got, want, 'webgpu');
    assert.match(await visibleText(page, '#backend'), /^webgpu$/);
    assert.match(await visibleText(page, '#adapter'), /^\(google swiftshader: a software adapter, slower here than wasm\)$/);
    assert.equal(await visibleText(page, '#switch-backend'), 'Generate on wasm instead');
    const captions = (await recorded(page)).captions;
    assert.match(captions[0] ?? '', /^Running pass 1 of 11 \(the first run on WebGPU also compiles the shaders\)\u2026$/);
    assert.match(await visibleText(page, '#summary'), /on webgpu \(.* ms a pass; this first WebGPU run also compiled the shaders\)\.$/);
    t.diagnostic(`WebGPU (${got.adapter}): ms per pass ${msPerPass(got)}; max |page - Node| ${maxDiff.toExponential(2)}; switch and first image ${seconds.toFixed(1)} s`);

    // and back to wasm, again without the note (a second WebGPU run, 10-20 s on SwiftShader, is
    // left to page-parts.test.ts's shaderCompilation test)
    await clearRecorded(page);
    await page.click('#switch-backend');
    await settled(page);
    await checkGeneration(page, await facts(page), want, 'wasm');
    assert.deepEqual((await recorded(page)).captions.filter((c) => SHADER_NOTE.test(c)), []);
    assert.equal(await visibleText(page, '#switch-backend'), 'Generate on WebGPU instead');
  });
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

// (generating on wasm is checked above: the same backend and code, whatever led to it)
test('without a WebGPU adapter the page says so, runs on wasm and offers no switch', async () => {
  const s = await session();
  const page = await s.open(MODELS, NO_ADAPTER);
  const f = await facts(page);
  assert.equal(f.state, 'ready', f.errors.join('; '));
  assert.match(await visibleText(page, '#notice'), /No WebGPU: the browser offers no WebGPU adapter.*Falling back to WebAssembly/);
  assert.match(await visibleText(page, '#backend'), /^wasm$/);
  assert.equal(await visibleText(page, '#adapter'), '');
  assert.equal(await page.isHidden('#switch-backend'), true);
  assert.equal(await page.isDisabled('#generate'), false);
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
    // asked for in the address, WebGPU is used even on a software adapter
    const page = await s.open(`${MODELS}&backend=webgpu&fault=${fault}`, RECORD_FRAMES);
    assert.equal((await facts(page)).backend, 'webgpu');
    await generate(page, REQUEST);
    const f = await facts(page);
    assert.equal(f.state, 'error');
    assert.match(await visibleText(page, '#errors'), pattern);
    assert.equal(await page.evaluate(() => (window as unknown as { frameHashes: number[] }).frameHashes.length), 1, 'only the pass before the fault is drawn');
    await page.close();
  });
}

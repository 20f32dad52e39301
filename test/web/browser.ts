/**
 * The browser tests' session: the page built into a temporary folder, a static server on an
 * ephemeral port, and Debian's Chromium driven by playwright-core (never a downloaded browser).
 * Headless Chromium offers a SwiftShader WebGPU adapter on a machine without a GPU: a software one,
 * so the page runs on wasm unless WebGPU is asked for (?backend=webgpu or its switch button).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.ts';
import { serveStatic, type StaticServer } from '../../scripts/static-server.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export interface Session {
  readonly browser: Browser;
  readonly server: StaticServer;
  readonly dir: string;
  /** Opens the page with this query string (after running the `init` script) and waits until it is ready or shows an error. */
  open(query: string, init?: string): Promise<Page>;
  close(): Promise<void>;
}

/** Serves the page with no embedded models, and `models` (name -> file) under test-models/. */
export const startSession = async (models: Record<string, string>): Promise<Session> => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (bash .ci/install-system, or apt-get install --no-install-recommends chromium); they never download a browser`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'detailflow-web-'));
  try {
    await buildWeb({ outDir: dir, tokenizer: null, ar: null, minify: false });
    await mkdir(path.join(dir, 'test-models'));
    for (const [name, file] of Object.entries(models)) await copyFile(path.resolve(root, file), path.join(dir, 'test-models', name));
    const server = await serveStatic(dir);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    return {
      browser, server, dir,
      open: async (query, init) => {
        const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
        if (init) await page.addInitScript({ content: init });
        await page.goto(`${server.url}${query}`);
        await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 60_000 });
        return page;
      },
      close: async () => {
        await browser.close();
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
};

/** What the page reports about itself (globalThis.detailflowPage, see web/ui.ts). */
export interface PageFacts {
  state: string;
  backend?: string;
  adapter?: string;
  notices: string[];
  errors: string[];
  passes: { index: number; tokens: number; side: number; ms: number }[];
  last?: { tokens: number[]; image: { width: number; height: number; channels: number; data: number[] } };
}

export const facts = (page: Page): Promise<PageFacts> => page.evaluate(() => {
  const r = (globalThis as unknown as { detailflowPage: PageFacts & { last?: { image: { data: ArrayLike<number> } } } }).detailflowPage;
  const last = r.last ? { ...r.last, image: { ...r.last.image, data: Array.from(r.last.image.data) } } : undefined;
  return JSON.parse(JSON.stringify({ ...r, last })) as PageFacts;
});

export const visibleText = (page: Page, selector: string): Promise<string> =>
  page.evaluate((s) => {
    const el = document.querySelector(s) as HTMLElement | null;
    return el && !el.hidden && el.offsetParent !== null ? el.innerText : '';
  }, selector);

/** Fills the form, presses Generate and waits for the result (or an error). */
export const generate = async (page: Page, o: { label: number; seed: number; cfg: number; temperature: number }): Promise<void> => {
  await page.selectOption('#class', String(o.label));
  await page.fill('#seed', String(o.seed));
  await page.fill('#cfg', String(o.cfg));
  await page.fill('#temperature', String(o.temperature));
  await page.click('#generate');
  await settled(page);
};

/** Waits until the generation a click started has ended (the click sets data-state to generating at once). */
export const settled = async (page: Page): Promise<void> => {
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 180_000 });
};

// Scripts run before the page's own, given as text: functions compiled by tsx carry helper calls
// (__name) that do not exist in the page.

/**
 * Records, at every frame event, a hash of the canvas (window.frameHashes) and when the frame was
 * drawn and when the next animation frame after it ran, i.e. when the browser could paint it
 * (window.frameTimes); and every text the caption and the summary show (window.captions).
 */
export const RECORD_FRAMES = `
  window.frameHashes = [];
  window.frameTimes = [];
  window.captions = [];
  document.addEventListener('detailflow:frame', (e) => {
    const c = e.target;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619) >>> 0;
    window.frameHashes.push(h);
    const t = { drawn: performance.now(), painted: null };
    window.frameTimes.push(t);
    requestAnimationFrame(() => { t.painted = performance.now(); });
  }, true);
  document.addEventListener('DOMContentLoaded', () => {
    for (const id of ['caption', 'summary']) {
      const el = document.getElementById(id);
      new MutationObserver(() => { if (el.textContent) window.captions.push(el.textContent); }).observe(el, { childList: true, characterData: true, subtree: true });
    }
  });`;

/** What RECORD_FRAMES recorded. */
export interface Recorded {
  frameHashes: number[];
  frameTimes: { drawn: number; painted: number | null }[];
  captions: string[];
}

export const recorded = (page: Page): Promise<Recorded> =>
  page.evaluate(() => { const w = window as unknown as Recorded; return { frameHashes: w.frameHashes, frameTimes: w.frameTimes, captions: w.captions }; });

/** Forgets what RECORD_FRAMES recorded so far. */
export const clearRecorded = (page: Page): Promise<void> =>
  page.evaluate(() => { const w = window as unknown as Recorded; w.frameHashes = []; w.frameTimes = []; w.captions = []; });

/** A browser whose WebGPU offers no adapter. */
export const NO_ADAPTER = `Object.defineProperty(GPU.prototype, 'requestAdapter', { value: async () => null });`;

/** A browser with neither WebGPU nor WebAssembly SIMD. */
export const NO_WEBGPU_NO_SIMD = `
  Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined });
  WebAssembly.validate = () => false;`;

/**
 * The web page: loads the embedded models, picks a backend as the CLI does (WebGPU on a hardware
 * adapter; wasm on a software adapter or none, saying which; see backend-choice.ts), keeps the
 * other backend one click away, and generates one image at a time, drawing every forward pass of
 * the grouped sampler as it arrives and letting the browser paint it before the next pass starts.
 * Every failure ends as a visible message.
 */
import * as E from 'fp-ts/lib/Either.js';
import { fashionMnistClasses } from '../src/data/fashion-mnist.ts';
import { generator, type Frame, type Generator } from '../src/detailflow/pretrained/generator.ts';
import type { FloatImage } from '../src/io/image-grid.ts';
import { keyFromSeed } from '../src/random/key.ts';
import { alternative, backendLine, chooseBackend, shaderCompilation, startBackend, type BackendChoice, type PageBackend } from './backend-choice.ts';
import { gpuGuard, limitProblems, type GpuGuard } from './gpu-guard.ts';
import { loadModels, type Models } from './models.ts';
import type { GpuDevice } from './webgpu-types.ts';
import { canvasSide, drawPicture, nextPaint, nonFinite } from './picture.ts';
import { checkSampling, readSettings, type PageSettings, type SamplingInput } from './settings.ts';
import { addNotice, addPass, byId, clearPasses, progressBar, report, setFormEnabled, setState, showErrors } from './ui.ts';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Errors that end the page (models, backend, lost device); later ones clear on the next generation. */
const fatal: string[] = [];
const fail = (m: string, isFatal: boolean): void => {
  if (isFatal) fatal.push(m);
  showErrors(isFatal ? [...fatal] : [...new Set([...report.errors, m])]);
  if (isFatal) setFormEnabled(false);
};

const canvas = byId<HTMLCanvasElement>('canvas');
let shown: FloatImage | undefined;
const smooth = (): boolean => (document.querySelector('input[name=upscale]:checked') as HTMLInputElement | null)?.value === 'smooth';
const redraw = (): void => { if (shown) drawPicture(canvas, shown, smooth()); };
document.querySelectorAll('input[name=upscale]').forEach((r) => r.addEventListener('change', redraw));

/** A started backend with its generator (and, on WebGPU, the guard over its device). */
interface Engine {
  readonly backend: PageBackend;
  readonly gen: Generator;
  readonly guard?: GpuGuard;
}

const shaders = shaderCompilation();

const generate = async (engine: Engine, input: SamplingInput, settings: PageSettings): Promise<void> => {
  const { backend, gen, guard } = engine;
  const compiles = shaders.compiles(backend);
  showErrors([...fatal]);
  clearPasses();
  setState('generating');
  setFormEnabled(false);
  byId('summary').textContent = '';
  const caption = byId('caption');
  caption.textContent = `Running pass 1 of ${gen.passes}${compiles ? ' (the first run on WebGPU also compiles the shaders)' : ''}\u2026`;
  try {
    // the caption shows before pass 1, which on wasm holds the page until it ends
    await nextPaint();
    let passStart = performance.now();
    const onFrame = async (f: Frame, checkpoint: () => Promise<void>): Promise<void> => {
      // every WebGPU error up to this frame is raised here, before anything is drawn
      await checkpoint();
      const ms = performance.now() - passStart;
      const im = f.images[0]!;
      const bad = nonFinite(im);
      if (bad !== undefined) throw new Error(`pass ${f.index + 1} decoded to ${im.data[bad]} (value ${bad} of ${im.data.length}): the computation went wrong on ${backend}, so the picture is not shown`);
      shown = im;
      redraw();
      const pass = { index: f.index, tokens: f.tokens, side: im.width, ms };
      addPass(pass);
      caption.textContent = `Pass ${f.index + 1} of ${gen.passes}: the first ${f.tokens} tokens, decoded at ${im.width}\u00d7${im.height} and shown upscaled.`;
      canvas.dispatchEvent(new CustomEvent('detailflow:frame', { detail: pass }));
      if (f.index === 0 && settings.fault !== 'none') {
        if (guard) guard.inject(settings.fault);
        else addNotice(`?fault=${settings.fault} applies to WebGPU only; nothing was injected on wasm.`);
      }
      // the browser paints this pass before the next one starts
      await nextPaint();
      passStart = performance.now();
    };
    const run = (checkpoint: () => Promise<void>) => gen.generate([input.label], keyFromSeed(input.seed), { cfg: input.cfg, temperature: input.temperature },
      { onFrame: (f) => onFrame(f, checkpoint) });
    const g = guard ? await guard.watch(run) : await run(async () => {});
    shaders.finished(backend);
    report.last = { ...input, tokens: Array.from(g.tokens.data), image: g.images[0]!, seconds: g.seconds };
    const perPass = report.passes.map((p) => p.ms);
    byId('summary').textContent = `${g.passes} passes in ${g.seconds.toFixed(2)} s on ${backend} `
      + `(${Math.min(...perPass).toFixed(0)} to ${Math.max(...perPass).toFixed(0)} ms a pass${compiles ? '; this first WebGPU run also compiled the shaders' : ''}).`;
    setState('done');
  } catch (e) {
    fail(`generation failed: ${message(e)}`, false);
    caption.textContent = `Stopped after ${report.passes.length} of ${gen.passes} passes: the error above says why. Nothing computed after it is shown.`;
  } finally {
    if (fatal.length === 0 && !guard?.lost) setFormEnabled(true);
  }
};

const deviceLimits = (d: GpuDevice): string =>
  `This device: maxBufferSize ${d.limits.maxBufferSize} bytes, maxStorageBufferBindingSize ${d.limits.maxStorageBufferBindingSize} bytes; shader-f16 ${d.features.has('shader-f16') ? 'offered but not used' : 'not offered (not needed)'}.`;
const largestText = (m: Models): string => ` The largest weight tensor is ${m.largestTensor.name} (${(m.largestTensor.bytes / 1024).toFixed(0)} KiB).`;

const start = async (): Promise<void> => {
  const { settings, problems } = readSettings(location.href);
  problems.forEach(addNotice);
  const models = loadModels({ tokenizer: settings.tokenizerUrl, ar: settings.arUrl }, { tokenizer: progressBar('tokenizer'), ar: progressBar('ar') });
  const choice: BackendChoice = await chooseBackend(settings.backend);
  if (!choice.ok) {
    byId('backend').textContent = 'none';
    return fail(choice.error, true);
  }
  const { adapter, simd } = choice;
  report.adapter = adapter?.name;
  report.softwareAdapter = adapter?.software;
  if (choice.notice) addNotice(choice.notice);
  const switcher = byId<HTMLButtonElement>('switch-backend');
  const showBackend = (backend: PageBackend, offerSwitch: boolean): void => {
    report.backend = backend;
    byId('backend').textContent = backend;
    byId('adapter').textContent = backendLine(backend, adapter, simd);
    const other = offerSwitch ? alternative(backend, adapter, simd) : undefined;
    switcher.hidden = !other;
    switcher.textContent = other ? `Generate on ${other === 'webgpu' ? 'WebGPU' : 'wasm'} instead` : '';
  };
  showBackend(choice.backend, false);

  // Each backend starts once, the first one while the models download.
  const starting = new Map<PageBackend, Promise<GpuDevice | undefined>>();
  const begin = (b: PageBackend): Promise<GpuDevice | undefined> => {
    let p = starting.get(b);
    if (!p) {
      p = startBackend(b, location.href);
      starting.set(b, p);
      p.catch(() => starting.delete(b));
    }
    return p;
  };
  const engines = new Map<PageBackend, Engine>();
  /** The started backend's engine; throws (naming the backend) when it cannot start or the weights do not fit its device. */
  const engineFor = async (b: PageBackend, m: Models): Promise<Engine> => {
    const known = engines.get(b);
    if (known) return known;
    const device = await begin(b).catch((e) => { throw new Error(`could not start the ${b} backend: ${message(e)}`); });
    if (device) {
      byId('limits').textContent = deviceLimits(device) + largestText(m);
      const tooBig = limitProblems(device.limits, m.largestTensor);
      if (tooBig.length) throw new Error(tooBig.join('; '));
    }
    const engine: Engine = { backend: b, gen: generator({ tokenizer: m.tokenizer, ar: m.ar }, { backend: b }), ...(device ? { guard: gpuGuard(device, fail) } : {}) };
    engines.set(b, engine);
    return engine;
  };

  const first = begin(choice.backend);
  const loaded = await models;
  if (E.isLeft(loaded)) {
    byId('caption').textContent = 'No models, no pictures.';
    loaded.left.forEach((m) => fail(m, true));
    return;
  }
  const m = loaded.right;
  let current: Engine;
  try {
    await first;
    if (choice.backend === 'wasm') byId('limits').textContent = largestText(m).trim();
    current = await engineFor(choice.backend, m);
  } catch (e) {
    return fail(message(e), true);
  }
  byId('loading').hidden = true;
  const classes = m.ar.config.classes;
  const names = Array.from({ length: classes }, (_, c) => (classes === 10 ? fashionMnistClasses[c]! : `class ${c}`));
  byId<HTMLSelectElement>('class').replaceChildren(...names.map((n, c) => new Option(`${c}: ${n}`, String(c))));
  const side = canvasSide(m.tokenizer.tk.decoderSide(m.tokenizer.tk.config.tokens));
  canvas.width = side;
  canvas.height = side;
  byId('caption').textContent = `Ready: ${current.gen.passes} forward passes per image.`;

  /** Checks the form and generates on the current backend; false when the form has problems. */
  const requestGeneration = (): boolean => {
    const raw = { label: byId<HTMLSelectElement>('class').value, cfg: byId<HTMLInputElement>('cfg').value, temperature: byId<HTMLInputElement>('temperature').value, seed: byId<HTMLInputElement>('seed').value };
    const checked = checkSampling(raw, classes);
    const box = byId('form-problems');
    box.hidden = checked.problems.length === 0;
    box.textContent = checked.problems.join('\n');
    if (checked.input) void generate(current, checked.input, settings);
    return checked.input !== undefined;
  };
  byId('controls').addEventListener('submit', (ev) => {
    ev.preventDefault();
    requestGeneration();
  });
  // One click: start the other backend (once), switch to it and generate with the form's values.
  switcher.addEventListener('click', () => void (async () => {
    const target = alternative(current.backend, adapter, simd);
    if (!target) return;
    const before = report.state;
    setFormEnabled(false);
    showErrors([...fatal]);
    setState('generating');
    switcher.textContent = `Starting ${target}\u2026`;
    try {
      current = await engineFor(target, m);
    } catch (e) {
      fail(message(e), false);
    }
    showBackend(current.backend, true);
    if (current.backend === target && requestGeneration()) return;
    if (report.state === 'generating') setState(before);
    setFormEnabled(fatal.length === 0);
  })());
  showBackend(current.backend, true);
  setFormEnabled(true);
  if (report.state !== 'error') setState('ready');
};

start().catch((e) => fail(`the page failed to start: ${message(e)}`, true));

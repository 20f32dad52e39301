/**
 * The web page: loads the embedded models, starts WebGPU (or says why it falls back to wasm), and
 * generates one image at a time, redrawing the canvas after every forward pass of the grouped
 * sampler. Every failure ends as a visible message.
 */
import * as E from 'fp-ts/lib/Either.js';
import { fashionMnistClasses } from '../src/data/fashion-mnist.ts';
import { generator, type Frame, type Generator } from '../src/detailflow/pretrained/generator.ts';
import type { FloatImage } from '../src/io/image-grid.ts';
import { keyFromSeed } from '../src/random/key.ts';
import { chooseBackend, startBackend } from './backend-choice.ts';
import { gpuGuard, limitProblems, type GpuGuard } from './gpu-guard.ts';
import { loadModels } from './models.ts';
import type { GpuLimits } from './webgpu-types.ts';
import { canvasSide, drawPicture, nonFinite } from './picture.ts';
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

const generate = async (gen: Generator, input: SamplingInput, settings: PageSettings, guard: GpuGuard | undefined): Promise<void> => {
  showErrors([...fatal]);
  clearPasses();
  setState('generating');
  setFormEnabled(false);
  byId('summary').textContent = '';
  const caption = byId('caption');
  caption.textContent = `Running pass 1 of ${gen.passes}${!shown ? ' (the first run also compiles the shaders)' : ''}\u2026`;
  let previous = 0;
  const onFrame = async (f: Frame, checkpoint: () => Promise<void>): Promise<void> => {
    // every WebGPU error up to this frame is raised here, before anything is drawn
    await checkpoint();
    const im = f.images[0]!;
    const bad = nonFinite(im);
    if (bad !== undefined) throw new Error(`pass ${f.index + 1} decoded to ${im.data[bad]} (value ${bad} of ${im.data.length}): the computation went wrong on ${report.backend}, so the picture is not shown`);
    shown = im;
    redraw();
    const pass = { index: f.index, tokens: f.tokens, side: im.width, ms: f.elapsedMs - previous };
    previous = f.elapsedMs;
    addPass(pass);
    caption.textContent = `Pass ${f.index + 1} of ${gen.passes}: the first ${f.tokens} tokens, decoded at ${im.width}\u00d7${im.height} and shown upscaled.`;
    canvas.dispatchEvent(new CustomEvent('detailflow:frame', { detail: pass }));
    if (f.index === 0 && settings.fault !== 'none') {
      if (guard) guard.inject(settings.fault);
      else addNotice(`?fault=${settings.fault} applies to WebGPU only; nothing was injected on wasm.`);
    }
  };
  try {
    const run = (checkpoint: () => Promise<void>) => gen.generate([input.label], keyFromSeed(input.seed), { cfg: input.cfg, temperature: input.temperature },
      { onFrame: (f) => onFrame(f, checkpoint) });
    const g = guard ? await guard.watch(run) : await run(async () => {});
    report.last = { ...input, tokens: Array.from(g.tokens.data), image: g.images[0]!, seconds: g.seconds };
    const perPass = report.passes.map((p) => p.ms);
    byId('summary').textContent = `${g.passes} passes in ${g.seconds.toFixed(2)} s on ${report.backend} `
      + `(${Math.min(...perPass).toFixed(0)} to ${Math.max(...perPass).toFixed(0)} ms a pass; the first run also compiles the shaders).`;
    setState('done');
  } catch (e) {
    fail(`generation failed: ${message(e)}`, false);
    caption.textContent = `Stopped after ${report.passes.length} of ${gen.passes} passes: the error above says why. Nothing computed after it is shown.`;
  } finally {
    if (fatal.length === 0 && !guard?.lost) setFormEnabled(true);
  }
};

const start = async (): Promise<void> => {
  const { settings, problems } = readSettings(location.href);
  problems.forEach(addNotice);
  const models = loadModels({ tokenizer: settings.tokenizerUrl, ar: settings.arUrl }, { tokenizer: progressBar('tokenizer'), ar: progressBar('ar') });
  const choice = await chooseBackend(settings.backend);
  if (!choice.ok) {
    byId('backend').textContent = 'none';
    return fail(choice.error, true);
  }
  report.backend = choice.backend;
  byId('backend').textContent = choice.backend;
  if (choice.backend === 'wasm') {
    if (choice.notice) addNotice(choice.notice);
  } else {
    report.adapter = choice.adapter;
    byId('adapter').textContent = `(${choice.adapter}${choice.software ? ': a software adapter, correct but slower than a GPU' : ''})`;
  }
  let guard: GpuGuard | undefined;
  let limits: GpuLimits | undefined;
  try {
    const device = await startBackend(choice.backend, location.href);
    if (device) {
      guard = gpuGuard(device, fail);
      limits = device.limits;
      byId('limits').textContent = `This device: maxBufferSize ${device.limits.maxBufferSize} bytes, maxStorageBufferBindingSize ${device.limits.maxStorageBufferBindingSize} bytes; shader-f16 ${device.features.has('shader-f16') ? 'offered but not used' : 'not offered (not needed)'}.`;
    }
  } catch (e) {
    return fail(`could not start the ${choice.backend} backend: ${message(e)}`, true);
  }
  const loaded = await models;
  if (E.isLeft(loaded)) {
    byId('caption').textContent = 'No models, no pictures.';
    loaded.left.forEach((m) => fail(m, true));
    return;
  }
  const m = loaded.right;
  const tooBig = limits ? limitProblems(limits, m.largestTensor) : [];
  if (tooBig.length) return tooBig.forEach((p) => fail(p, true));
  byId('limits').append(` The largest weight tensor is ${m.largestTensor.name} (${(m.largestTensor.bytes / 1024).toFixed(0)} KiB).`);
  byId('loading').hidden = true;
  const classes = m.ar.config.classes;
  const names = Array.from({ length: classes }, (_, c) => (classes === 10 ? fashionMnistClasses[c]! : `class ${c}`));
  byId<HTMLSelectElement>('class').replaceChildren(...names.map((n, c) => new Option(`${c}: ${n}`, String(c))));
  const side = canvasSide(m.tokenizer.tk.decoderSide(m.tokenizer.tk.config.tokens));
  canvas.width = side;
  canvas.height = side;
  const gen = generator({ tokenizer: m.tokenizer, ar: m.ar }, { backend: choice.backend });
  byId('caption').textContent = `Ready: ${gen.passes} forward passes per image.`;
  byId('controls').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const raw = { label: byId<HTMLSelectElement>('class').value, cfg: byId<HTMLInputElement>('cfg').value, temperature: byId<HTMLInputElement>('temperature').value, seed: byId<HTMLInputElement>('seed').value };
    const checked = checkSampling(raw, classes);
    const box = byId('form-problems');
    box.hidden = checked.problems.length === 0;
    box.textContent = checked.problems.join('\n');
    if (checked.input) void generate(gen, checked.input, settings, guard);
  });
  setFormEnabled(true);
  if (report.state !== 'error') setState('ready');
};

start().catch((e) => fail(`the page failed to start: ${message(e)}`, true));

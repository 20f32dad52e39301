import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { CliIO, Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendFlag, chooseBackend, flagProblems, intFlag, outputProblems } from '../common.ts';
import { loadModelPair, shippedModel } from '../models.ts';
import { progress } from '../progress.ts';
import { RunError } from '../training-run.ts';
import { demoPage } from '../demo-page.ts';
import { writeFileAtomic } from '../../platform/files.ts';
import { encodePng } from '../../io/png.ts';
import { keyFromSeed } from '../../random/key.ts';
import { fashionMnistClasses } from '../../data/fashion-mnist.ts';
import { generator } from '../../detailflow/pretrained/generator.ts';
import { progressiveStrip, sampleGrid } from '../../detailflow/pretrained/pictures.ts';
import { generateOfficial } from '../../detailflow/official/generate.ts';
import { loadOfficialModels } from '../official-models.ts';

/** The embedded models ship in the package's models/ folder, wherever the command is run from (see shippedModel). */
export const embeddedModel = (name: 'tokenizer' | 'ar'): string => shippedModel(name);

/** Guidance scale of the demo: the embedded model's samples are clearly class-like at this scale. */
const DEMO_CFG = 3;

/** ImageNet classes the official demo shows by default, with their names for the page. */
const OFFICIAL_CLASSES = [207, 360, 387, 974];
const IMAGENET_NAMES: Readonly<Record<number, string>> = { 207: 'golden retriever', 360: 'otter', 387: 'lesser panda', 974: 'geyser', 88: 'macaw', 980: 'volcano', 279: 'arctic fox', 417: 'balloon' };

const usage = `detailflow demo [--out DIR] [--per-class K] [--seed S] [--cfg S] [--backend B]
                 [--tokenizer CKPT] [--ar CKPT] [--json]
       detailflow demo --model DIR [--classes 207,360,...] [--per-class K] [--out DIR] [...]

Generates images with the embedded models (models/tokenizer.safetensors and models/ar.safetensors):
K samples (default 4) of each of the 10 classes, coarse to fine with the grouped sampler. Writes
DIR/samples.png (one row per class), DIR/progressive.png (one sample per class, the image after
every forward pass) and DIR/index.html, a self-contained page showing both (DIR defaults to out).
Prints the time and the backend used: WebGPU on a hardware adapter, else Wasm (--backend overrides).
--cfg is the guidance scale (default ${DEMO_CFG}), --seed the sampling key (default 0).
--model DIR makes the same page with official DetailFlow models imported into DIR by 'detailflow
import' (256 px for the released ones): K samples (default 1) of each ImageNet class in --classes
(default ${OFFICIAL_CLASSES.join(',')}), guidance scale 1.45 by default, every pass reported as it finishes.`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'generate a class grid and a coarse-to-fine strip with the embedded models (the main job)',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, {
      out: 'string', 'per-class': 'number', seed: 'number', cfg: 'number', backend: 'string', tokenizer: 'string', ar: 'string', json: 'boolean',
      model: 'string', classes: 'string',
    });
    if (E.isLeft(flags)) return flagProblems(io, 'demo', flags.left, usage);
    const f = flags.right;
    if (f.model !== undefined) return officialDemo(f as OfficialDemoFlags, io);
    if (f.classes !== undefined) return flagProblems(io, 'demo', ['--classes goes with --model (the embedded models show all their classes)'], usage);
    const perClass = f['per-class'] ?? 4;
    const seed = f.seed ?? 0;
    const cfg = f.cfg ?? DEMO_CFG;
    const problems = [
      ...(Number.isInteger(perClass) && perClass >= 1 && perClass <= 64 ? [] : [`--per-class: expected an integer in 1..64, got ${perClass}`]),
      ...intFlag('seed', seed, 0),
      ...(Number.isFinite(cfg) && cfg >= 0 ? [] : [`--cfg: expected a non-negative number, got ${cfg}`]),
      ...backendFlag(f.backend),
    ];
    if (problems.length) return flagProblems(io, 'demo', problems, usage);
    const out = path.resolve(f.out ?? 'out');
    // refuse early: a run that cannot write its pictures should not start sampling
    const unwritable = await outputProblems({}, { out });
    if (unwritable.length) return flagProblems(io, 'demo', unwritable, usage);
    const pair = await loadModelPair(f.tokenizer ?? embeddedModel('tokenizer'), f.ar ?? embeddedModel('ar'));
    if (E.isLeft(pair)) {
      io.err(pair.left.map((p) => `detailflow demo: ${p}`).join('\n'));
      return 2;
    }
    const { tokenizer: tok, ar } = pair.right;
    const classes = Math.min(ar.config.classes, 10);
    const names = Array.from({ length: classes }, (_, c) => (ar.config.classes === 10 ? fashionMnistClasses[c]! : `class ${c}`));
    const labels = Array.from({ length: classes * perClass }, (_, i) => Math.floor(i / perClass));
    const started = performance.now();
    const backend = await chooseBackend(f.backend);
    const gen = generator({ tokenizer: tok, ar }, { backend });
    const bar = progress(io, { label: `demo: ${labels.length} images`, total: gen.passes, unit: 'passes' });
    const g = await gen.generate(labels, keyFromSeed(seed), { cfg }, { progressive: true, onPass: (done) => bar.update(done) });
    bar.finish();
    const samplesPng = await encodePng(sampleGrid(g, perClass));
    const progressivePng = await encodePng(progressiveStrip(g, 2, names.map((_, c) => c * perClass)));
    const prefixes = g.frames.map((fr) => fr.tokens);
    const seconds = (performance.now() - started) / 1000;
    const html = demoPage({ samplesPng, progressivePng, classNames: names, perClass, passes: g.passes, prefixes, backend, seconds, seed, cfg, cell: 2 * tok.tk.config.size, pad: 2 });
    const files = await writeDemoFiles(out, samplesPng, progressivePng, html);
    const report = { backend, images: labels.length, passesPerImage: g.passes, sampleSeconds: g.seconds, totalSeconds: seconds, imagesPerSecond: labels.length / g.seconds, ...files };
    io.out(f.json ? JSON.stringify(report) : [
      `demo: ${labels.length} images (${classes} classes x ${perClass}) on ${backend}, ${g.passes} forward passes each`,
      `  sampling and decoding every pass: ${g.seconds.toFixed(2)} s (${report.imagesPerSecond.toFixed(2)} images/s); total with backend start: ${seconds.toFixed(2)} s`,
      `  wrote ${files.samples}`, `        ${files.progressive}`, `        ${files.page}  (open it in a browser)`,
    ].join('\n'));
    return 0;
  },
};

/** The demo's three files under `out`, each written atomically; their paths. */
const writeDemoFiles = async (out: string, samplesPng: Uint8Array, progressivePng: Uint8Array, html: string) => {
  const files = { samples: path.join(out, 'samples.png'), progressive: path.join(out, 'progressive.png'), page: path.join(out, 'index.html') };
  for (const [file, bytes] of [[files.samples, samplesPng], [files.progressive, progressivePng], [files.page, new TextEncoder().encode(html)]] as const) {
    const w = await writeFileAtomic(file, bytes);
    if (E.isLeft(w)) throw new RunError(`demo: ${w.left.message}`);
  }
  return files;
};

interface OfficialDemoFlags {
  readonly model: string;
  readonly classes?: string;
  readonly out?: string;
  readonly 'per-class'?: number;
  readonly seed?: number;
  readonly cfg?: number;
  readonly backend?: string;
  readonly tokenizer?: string;
  readonly ar?: string;
  readonly json?: boolean;
}

/** The demo page with imported official models: ImageNet classes, 256 px, every pass reported. */
const officialDemo = async (f: OfficialDemoFlags, io: CliIO): Promise<number> => {
  const perClass = f['per-class'] ?? 1;
  const seed = f.seed ?? 0;
  const cfg = f.cfg ?? 1.45;
  const classes = f.classes === undefined ? OFFICIAL_CLASSES : f.classes.split(',').map((c) => Number(c.trim()));
  const problems = [
    ...(['tokenizer', 'ar'] as const).filter((k) => f[k] !== undefined).map((k) => `--${k} does not go with --model (the imported folder holds both models)`),
    ...(Number.isInteger(perClass) && perClass >= 1 && perClass <= 64 ? [] : [`--per-class: expected an integer in 1..64, got ${perClass}`]),
    ...intFlag('seed', seed, 0),
    ...(Number.isFinite(cfg) && cfg >= 0 ? [] : [`--cfg: expected a non-negative number, got ${cfg}`]),
    ...(classes.length > 0 && classes.every((c) => Number.isInteger(c) && c >= 0) ? [] : [`--classes: expected comma-separated class ids, got '${f.classes}'`]),
    ...backendFlag(f.backend),
  ];
  if (problems.length) return flagProblems(io, 'demo', problems, usage);
  const out = path.resolve(f.out ?? 'out');
  const unwritable = await outputProblems({}, { out });
  if (unwritable.length) return flagProblems(io, 'demo', unwritable, usage);
  const models = await loadOfficialModels(f.model);
  const bad = classes.filter((c) => c >= models.ar.config.classes);
  if (bad.length) return flagProblems(io, 'demo', [`--classes: the model has ${models.ar.config.classes} classes; ${bad.join(', ')} are not among them`], usage);
  const started = performance.now();
  const backend = await chooseBackend(f.backend);
  const labels = classes.flatMap((c) => Array.from({ length: perClass }, () => c));
  const g = await generateOfficial(models, labels, keyFromSeed(seed), { cfg }, {
    backend, progressive: true, onPass: (p, total) => io.err(`demo: pass ${p.index + 1}/${total}: ${p.end} tokens, ${p.seconds.toFixed(2)} s`),
  });
  const samplesPng = await encodePng(sampleGrid(g, perClass, 1));
  const progressivePng = await encodePng(progressiveStrip(g, 1, classes.map((_, i) => i * perClass)));
  const seconds = (performance.now() - started) / 1000;
  const names = classes.map((c) => (IMAGENET_NAMES[c] ? `${IMAGENET_NAMES[c]} (${c})` : `class ${c}`));
  const html = demoPage({
    samplesPng, progressivePng, classNames: names, perClass, passes: g.passes, prefixes: g.frames.map((fr) => fr.tokens),
    backend, seconds, seed, cfg, cell: models.tokenizer.config.imageSize, pad: 2,
  });
  const files = await writeDemoFiles(out, samplesPng, progressivePng, html);
  const report = { backend, images: labels.length, passesPerImage: g.passes, sampleSeconds: g.seconds, totalSeconds: seconds, imagesPerSecond: labels.length / g.seconds, ...files };
  io.out(f.json ? JSON.stringify(report) : [
    `demo: ${labels.length} images of ${models.tokenizer.config.imageSize} px (${classes.length} classes x ${perClass}) with ${f.model} on ${backend}, ${g.passes} forward passes each`,
    `  sampling and decoding every pass: ${g.seconds.toFixed(2)} s; total with loading: ${seconds.toFixed(2)} s`,
    `  wrote ${files.samples}`, `        ${files.progressive}`, `        ${files.page}  (open it in a browser)`,
  ].join('\n'));
  return 0;
};

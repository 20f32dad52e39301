import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { sampleOfficialCommand } from './sample-official.ts';
import { backendFlag, chooseBackend, flagProblems, intFlag, outputProblems } from '../common.ts';
import { loadModelPair, shippedModel, shippedName } from '../models.ts';
import { progress } from '../progress.ts';
import { writeOutput } from '../picture-files.ts';
import { encodePng } from '../../io/png.ts';
import { keyFromSeed } from '../../random/key.ts';
import { checkSampleRequest, samplingOptionProblems, type SampleOptions } from '../../detailflow/sample/options.ts';
import { generator } from '../../detailflow/pretrained/generator.ts';
import { progressiveStrip, sampleGrid } from '../../detailflow/pretrained/pictures.ts';

/** The shipped AR model's guidance scale, as in demo: its samples are clearly class-like there. */
const SHIPPED_CFG = 3;

const usage = `detailflow sample [--tokenizer CKPT] [--ar CKPT] [--out FILE] [--classes 0,3,7] [--per-class K]
                  [--cfg S] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--backend B]
                  [--progressive FILE] [--json]
detailflow sample --model DIR [--out FILE] [--classes 207,360] [--per-class K] [--cfg S] [...]

Samples K images per class (default 4; classes default to all of the model's, at most 10) with
the grouped sampler and the AR checkpoint's EMA weights, decodes them with the tokenizer at full
size and writes a grid with one row per class to FILE (default out/samples.png; a missing folder
is created). --tokenizer and --ar default to the shipped ${shippedName('tokenizer')} and
${shippedName('ar')}. --cfg is the guidance scale (default ${SHIPPED_CFG} with the shipped AR model, as in
demo; 1, none, with --ar CKPT), --temperature (default 1), --top-k, --top-p (in (0, 1]) filter
the logits; --seed (default 0).
--progressive also writes one row per sample showing the image after every pass (the prefix
decoded at dec(t), nearest-upscaled). Prints images/s and forward passes per image (--json: as
JSON); progress (per pass) goes to stderr. The tokenizer/AR pair and the request are checked
before any work (exit 2 on a problem, e.g. the two files swapped).
--model DIR samples with official DetailFlow models imported into DIR by 'detailflow import'
instead (sample-official: ImageNet class ids, default 207; --cfg default 1.45; a line per pass).`;

const parseClasses = (s: string | undefined, classes: number): E.Either<string, number[]> => {
  if (s === undefined) return E.right(Array.from({ length: Math.min(classes, 10) }, (_, i) => i));
  const parts = s.split(',').map((p) => p.trim());
  const ids = parts.map(Number);
  const bad = parts.filter((p, i) => p === '' || !Number.isInteger(ids[i]));
  return bad.length ? E.left(`--classes: expected comma-separated class ids, got '${s}'`) : E.right(ids);
};

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'sample class-conditional images with the AR model and decode them with the tokenizer',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, {
      tokenizer: 'string', ar: 'string', classes: 'string', 'per-class': 'number', cfg: 'number', temperature: 'number',
      'top-k': 'number', 'top-p': 'number', seed: 'number', backend: 'string', out: 'string', progressive: 'string', json: 'boolean',
      model: 'string',
    });
    if (E.isLeft(flags)) return flagProblems(io, 'sample', flags.left, usage);
    const f = flags.right;
    if (f.model !== undefined) {
      // imported official models: sample-official, with this command's default output place
      const clash = (['tokenizer', 'ar', 'json'] as const).filter((k) => f[k] !== undefined).map((k) => `--${k} does not go with --model (the imported folder holds both models)`);
      if (clash.length) return flagProblems(io, 'sample', clash, usage);
      return sampleOfficialCommand.run(f.out === undefined ? [...argv, '--out', 'out/samples.png'] : argv, io);
    }
    const perClass = f['per-class'] ?? 4;
    const missing = [
      ...intFlag('per-class', perClass, 1),
      ...intFlag('seed', f.seed, 0),
      ...backendFlag(f.backend),
      // the list's syntax now; its ids against the model's classes once the model is read
      ...(f.classes === undefined ? [] : E.isLeft(parseClasses(f.classes, 0)) ? [`--classes: expected comma-separated class ids, got '${f.classes}'`] : []),
      // the options no model is needed for; the rest (class ids, CFG's null class) once the models are read
      ...samplingOptionProblems({ cfg: f.cfg, temperature: f.temperature, topK: f['top-k'], topP: f['top-p'] })
        .map((p) => `--${p.replace(/^topK/, 'top-k').replace(/^topP/, 'top-p')}`),
    ];
    if (missing.length) return flagProblems(io, 'sample', missing, usage);
    const out = path.resolve(f.out ?? 'out/samples.png');
    const strip = f.progressive === undefined ? undefined : path.resolve(f.progressive);
    // both pictures' places are checked before the models load: a run never writes one and then fails
    const unwritable = await outputProblems({ out, progressive: strip });
    if (unwritable.length) return flagProblems(io, 'sample', unwritable, usage);
    const tokFile = f.tokenizer ?? shippedModel('tokenizer');
    const arFile = f.ar ?? shippedModel('ar');
    const pair = await loadModelPair(tokFile, arFile);
    if (E.isLeft(pair)) {
      io.err(pair.left.map((p) => `detailflow sample: ${p}`).join('\n'));
      return 2;
    }
    const { tokenizer: tok, ar } = pair.right;
    const config = ar.config;
    const classes = parseClasses(f.classes, config.classes);
    if (E.isLeft(classes)) return flagProblems(io, 'sample', [classes.left], usage);
    const tc = tok.tk.config;
    const labels = classes.right.flatMap((c) => Array.from({ length: perClass }, () => c));
    const cfg = f.cfg ?? (f.ar === undefined ? SHIPPED_CFG : undefined);
    const opts: SampleOptions = {
      ...(cfg !== undefined ? { cfg } : {}), ...(f.temperature !== undefined ? { temperature: f.temperature } : {}),
      ...(f['top-k'] !== undefined ? { topK: f['top-k'] } : {}), ...(f['top-p'] !== undefined ? { topP: f['top-p'] } : {}),
      tokenizer: { codebookSize: tc.codebookSize, tokens: tc.tokens, group: tc.group, causal: tc.causal, ...(tc.spans ? { spans: tc.spans } : {}) },
    };
    // checked on the ids as given, so each problem is named once (the sampler checks the repeated labels again)
    const req = checkSampleRequest(config, classes.right, opts, 'grouped');
    if (E.isLeft(req)) {
      io.err(`detailflow sample: invalid request (${path.basename(tokFile)} with ${path.basename(arFile)}):\n${req.left.problems.map((p) => `  - ${p}`).join('\n')}`);
      return 2;
    }
    const backend = await chooseBackend(f.backend);
    const gen = generator({ tokenizer: tok, ar }, { backend });
    const bar = progress(io, { label: `sample: ${labels.length} images`, total: gen.passes, unit: 'passes' });
    const g = await gen.generate(labels, keyFromSeed(f.seed ?? 0), opts, { progressive: strip !== undefined, onPass: (done) => bar.update(done) });
    bar.finish();
    await writeOutput(out, await encodePng(sampleGrid(g, perClass)));
    if (strip !== undefined) await writeOutput(strip, await encodePng(progressiveStrip(g)));
    const report = {
      images: labels.length, seconds: g.seconds, imagesPerSecond: labels.length / g.seconds, passesPerImage: g.passes, backend,
      cfg: cfg ?? 1, out, ...(strip !== undefined ? { progressive: strip } : {}),
    };
    io.out(f.json ? JSON.stringify(report)
      : `sample: ${report.images} images in ${g.seconds.toFixed(2)} s on ${backend} (${report.imagesPerSecond.toFixed(2)} images/s, ${report.passesPerImage} forward passes per image, guidance ${report.cfg}${strip !== undefined ? '; the time includes decoding every pass' : ''}); wrote ${out}${strip !== undefined ? ` and ${strip}` : ''}`);
    return 0;
  },
};

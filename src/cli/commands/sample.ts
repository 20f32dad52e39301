import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { chooseBackend, flagProblems } from '../common.ts';
import { loadTokenizer } from '../models.ts';
import { loadArModel } from '../ar-files.ts';
import { compile, release, type Compiled } from '../../compile/compile.ts';
import type { HostArray } from '../../compile/device-array.ts';
import type { Node } from '../../ir/node.ts';
import { sliceAxis } from '../../ops/index.ts';
import type { Params } from '../../nn/module.ts';
import { encodePng } from '../../io/png.ts';
import { imageGrid, type FloatImage } from '../../io/image-grid.ts';
import { keyFromSeed } from '../../random/key.ts';
import { passPlan } from '../../detailflow/api.ts';
import { checkSampleRequest, type SampleOptions } from '../../detailflow/sample/options.ts';
import { arSampler } from '../../detailflow/sample/sampler.ts';
import type { TokenizerParams } from '../../detailflow/tokenizer/model.ts';

const usage = `detailflow sample --tokenizer CKPT --ar CKPT --out samples.png [--classes 0,3,7] [--per-class K]
                   [--cfg S] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--backend B]
                   [--progressive strip.png] [--json]

Samples K images per class (default 4; classes default to all of the model's, at most 10) with
the grouped sampler and the AR checkpoint's EMA weights, decodes them with the tokenizer at full
size and writes a grid with one row per class. --cfg is the guidance scale (default 1: none),
--temperature (default 1), --top-k, --top-p (in (0, 1]) filter the logits; --seed (default 0).
--progressive also writes one row per sample showing the image after every pass (the prefix
decoded at dec(t), nearest-upscaled). Prints images/s and forward passes per image (--json: as JSON).
The tokenizer/AR pair and the request are checked before any work (exit 2 on a problem).`;

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
    });
    if (E.isLeft(flags)) return flagProblems(io, 'sample', flags.left, usage);
    const f = flags.right;
    const perClass = f['per-class'] ?? 4;
    const missing = [
      ...(f.tokenizer === undefined ? ['--tokenizer CKPT is required'] : []), ...(f.ar === undefined ? ['--ar CKPT is required'] : []),
      ...(f.out === undefined ? ['--out FILE is required'] : []),
      ...(Number.isInteger(perClass) && perClass >= 1 ? [] : [`--per-class: expected a positive integer, got ${perClass}`]),
      ...(f.seed !== undefined && !(Number.isInteger(f.seed) && f.seed >= 0) ? [`--seed: expected a non-negative integer, got ${f.seed}`] : []),
    ];
    if (missing.length) return flagProblems(io, 'sample', missing, usage);
    const { tk, params } = await loadTokenizer(f.tokenizer!);
    const { config, ema } = await loadArModel(f.ar!);
    const classes = parseClasses(f.classes, config.classes);
    if (E.isLeft(classes)) return flagProblems(io, 'sample', [classes.left], usage);
    const tc = tk.config;
    const labels = classes.right.flatMap((c) => Array.from({ length: perClass }, () => c));
    const opts: SampleOptions = {
      ...(f.cfg !== undefined ? { cfg: f.cfg } : {}), ...(f.temperature !== undefined ? { temperature: f.temperature } : {}),
      ...(f['top-k'] !== undefined ? { topK: f['top-k'] } : {}), ...(f['top-p'] !== undefined ? { topP: f['top-p'] } : {}),
      tokenizer: { codebookSize: tc.codebookSize, tokens: tc.tokens, group: tc.group, causal: tc.causal },
    };
    // checked on the ids as given, so each problem is named once (the sampler checks the repeated labels again)
    const req = checkSampleRequest(config, classes.right, opts, 'grouped');
    if (E.isLeft(req)) {
      io.err(`detailflow sample: invalid request (${path.basename(f.tokenizer!)} with ${path.basename(f.ar!)}):\n${req.left.problems.map((p) => `  - ${p}`).join('\n')}`);
      return 2;
    }
    const backend = await chooseBackend(f.backend);
    const sampler = arSampler(config, { backend });
    const decoders = new Map<number, Compiled<Node>>();
    const decode = async (t: number, idx: HostArray): Promise<FloatImage[]> => {
      let d = decoders.get(t);
      if (!d) { d = compile((p: Params<TokenizerParams>, x: Node) => tk.decodeIndices(p, sliceAxis(x, 1, 0, t)), { backend, name: `decode-t${t}` }); decoders.set(t, d); }
      const out = await d.run(params, idx);
      const h = await out.host();
      release(out);
      const side = tk.decoderSide(t);
      const n = tc.channels * side * side;
      const ch = tc.channels === 3 ? 3 : 1;
      return labels.map((_, i) => ({ width: side, height: side, channels: ch, data: (h.data as Float32Array).subarray(i * n, (i + 1) * n) }));
    };
    try {
      const started = performance.now();
      const result = await sampler.grouped(ema as never, labels, keyFromSeed(f.seed ?? 0), opts);
      const full = await decode(tc.tokens, result.tokens);
      const seconds = (performance.now() - started) / 1000;
      await writeFile(path.resolve(f.out!), await encodePng(imageGrid(full, perClass, { scale: 2 })));
      if (f.progressive !== undefined) {
        const ends = passPlan({ tokens: tc.tokens, group: tc.group, causal: tc.causal }).map((s) => s.end);
        const perPass: FloatImage[][] = [];
        for (const t of ends) perPass.push(await decode(t, result.tokens));
        const cells = labels.flatMap((_, i) => perPass.map((imgs) => imgs[i]!));
        await writeFile(path.resolve(f.progressive), await encodePng(imageGrid(cells, ends.length, { scale: 2, upscale: 'nearest' })));
      }
      const report = { images: labels.length, seconds, imagesPerSecond: labels.length / seconds, passesPerImage: result.passes, out: path.resolve(f.out!), ...(f.progressive !== undefined ? { progressive: path.resolve(f.progressive) } : {}) };
      io.out(f.json ? JSON.stringify(report)
        : `sample: ${report.images} images in ${seconds.toFixed(2)} s (${report.imagesPerSecond.toFixed(2)} images/s, ${report.passesPerImage} forward passes per image); wrote ${report.out}${report.progressive ? ` and ${report.progressive}` : ''}`);
      return 0;
    } finally {
      sampler.dispose();
      for (const d of decoders.values()) d.dispose();
    }
  },
};

import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendFlag, chooseBackend, flagProblems, intFlag, outputProblems } from '../common.ts';
import { encodePng } from '../../io/png.ts';
import { keyFromSeed } from '../../random/key.ts';
import { generateOfficial } from '../../detailflow/official/generate.ts';
import { progressiveStrip, sampleGrid } from '../../detailflow/pretrained/pictures.ts';
import { loadOfficialModels } from '../official-models.ts';

const usage = `detailflow sample-official --model DIR --out samples.png [--classes 207,360] [--per-class K]
                   [--cfg S] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--backend B] [--progressive strip.png]

Samples with the official DetailFlow models imported into DIR by 'detailflow import' (the GPT with
this project's grouped sampler and KV cache; the official decoder at dec(N), 256 px for the released
models). Classes are ImageNet ids (default 207); --cfg defaults to 1.45, the reference's setting at
N = 128. Every pass is reported as it finishes; --progressive also writes the image after every pass.`;

export const sampleOfficialCommand: Command = {
  name: 'sample-official',
  summary: 'sample images with imported official DetailFlow models',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, {
      model: 'string', classes: 'string', 'per-class': 'number', cfg: 'number', temperature: 'number',
      'top-k': 'number', 'top-p': 'number', seed: 'number', backend: 'string', out: 'string', progressive: 'string',
    });
    if (E.isLeft(flags)) return flagProblems(io, 'sample-official', flags.left, usage);
    const f = flags.right;
    const perClass = f['per-class'] ?? 1;
    const classes = (f.classes ?? '207').split(',').map((s) => Number(s.trim()));
    const problems = [
      ...(f.model === undefined ? ['--model DIR is required'] : []), ...(f.out === undefined ? ['--out FILE is required'] : []),
      ...intFlag('per-class', perClass, 1), ...intFlag('seed', f.seed, 0), ...backendFlag(f.backend),
      ...(classes.every((c) => Number.isInteger(c) && c >= 0) ? [] : [`--classes: expected comma-separated class ids, got '${f.classes}'`]),
    ];
    if (problems.length) return flagProblems(io, 'sample-official', problems, usage);
    const unwritable = await outputProblems({ out: f.out, progressive: f.progressive });
    if (unwritable.length) return flagProblems(io, 'sample-official', unwritable, usage);
    const models = await loadOfficialModels(f.model!);
    const bad = classes.filter((c) => c >= models.ar.config.classes);
    if (bad.length) return flagProblems(io, 'sample-official', [`--classes: the model has ${models.ar.config.classes} classes; ${bad.join(', ')} are not among them`], usage);
    const backend = await chooseBackend(f.backend);
    const labels = classes.flatMap((c) => Array.from({ length: perClass }, () => c));
    const g = await generateOfficial(models, labels, keyFromSeed(f.seed ?? 0), {
      cfg: f.cfg ?? 1.45, ...(f.temperature !== undefined ? { temperature: f.temperature } : {}),
      ...(f['top-k'] !== undefined ? { topK: f['top-k'] } : {}), ...(f['top-p'] !== undefined ? { topP: f['top-p'] } : {}),
    }, { backend, progressive: f.progressive !== undefined, onPass: (p, total) => io.err(`pass ${p.index + 1}/${total}: ${p.end} tokens, ${p.seconds.toFixed(2)} s`) });
    await writeFile(path.resolve(f.out!), await encodePng(sampleGrid(g, perClass, 1)));
    if (f.progressive !== undefined) await writeFile(path.resolve(f.progressive), await encodePng(progressiveStrip(g, 1)));
    io.out(`sample-official: ${labels.length} images of ${models.tokenizer.config.imageSize} px in ${g.seconds.toFixed(2)} s on ${backend} (${g.passes} passes per image); wrote ${path.resolve(f.out!)}${f.progressive ? ` and ${path.resolve(f.progressive)}` : ''}`);
    return 0;
  },
};

import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendFlag, chooseBackend, flagProblems, outputProblems } from '../common.ts';
import { readPicture, writeOutput } from '../picture-files.ts';
import { encodePng } from '../../io/png.ts';
import { imageGrid } from '../../io/image-grid.ts';
import { defaultPrefixes, pictureInput, reconstructOfficial } from '../../detailflow/official/reconstruct.ts';
import { loadOfficialTokenizer } from '../official-models.ts';

const usage = `detailflow reconstruct-official --model DIR --image photo.png --out strip.png [--t 1,2,4,...] [--backend B]

The coarse-to-fine strip of your own picture with the official tokenizer imported into DIR: the
picture (centre-cropped, resized to the model's size), then its reconstruction from the first t
tokens for each t (default 1, 2, 4, ... N), each decoded at dec(t) and upscaled to full size.
A picture that cannot be read as a PNG exits 2 naming it; a missing folder of --out is created.`;

export const reconstructOfficialCommand: Command = {
  name: 'reconstruct-official',
  summary: 'the coarse-to-fine strip of a picture with an imported official tokenizer',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { model: 'string', image: 'string', out: 'string', t: 'string', backend: 'string' });
    if (E.isLeft(flags)) return flagProblems(io, 'reconstruct-official', flags.left, usage);
    const f = flags.right;
    const ts = f.t?.split(',').map((s) => Number(s.trim()));
    const problems = [
      ...(f.model === undefined ? ['--model DIR is required'] : []), ...(f.image === undefined ? ['--image FILE.png is required'] : []),
      ...(f.out === undefined ? ['--out FILE is required'] : []), ...backendFlag(f.backend),
      ...(ts && !ts.every((t) => Number.isInteger(t) && t >= 1) ? [`--t: expected comma-separated prefix lengths, got '${f.t}'`] : []),
    ];
    if (problems.length) return flagProblems(io, 'reconstruct-official', problems, usage);
    const unwritable = await outputProblems({ out: f.out });
    if (unwritable.length) return flagProblems(io, 'reconstruct-official', unwritable, usage);
    // a picture that cannot be read is a usage problem: one line naming the file, exit 2, as in reconstruct --image
    const png = await readPicture(f.image!);
    if (E.isLeft(png)) { io.err(`detailflow reconstruct-official: ${png.left}`); return 2; }
    const m = await loadOfficialTokenizer(f.model!);
    const prefixes = ts ?? defaultPrefixes(m.config.tokens);
    const tooLong = prefixes.filter((t) => t > m.config.tokens);
    if (tooLong.length) return flagProblems(io, 'reconstruct-official', [`--t: the model has N = ${m.config.tokens} tokens; ${tooLong.join(', ')} exceed it`], usage);
    const backend = await chooseBackend(f.backend);
    const start = performance.now();
    const r = await reconstructOfficial(m, pictureInput(png.right, m.config.imageSize), prefixes, backend);
    await writeOutput(path.resolve(f.out!), await encodePng(imageGrid([r.input, ...r.frames.map((x) => x.image)], 1 + r.frames.length, { upscale: 'nearest' })));
    io.out(`reconstruct-official: ${f.image} at ${m.config.imageSize} px, prefixes t = ${prefixes.join(', ')} (sides ${r.frames.map((x) => x.image.width).join(', ')}) in ${((performance.now() - start) / 1000).toFixed(2)} s on ${backend}; wrote ${path.resolve(f.out!)}`);
    return 0;
  },
};

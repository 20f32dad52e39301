import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { chooseBackend, flagProblems, loadSplit } from '../common.ts';
import { loadTokenizer } from '../models.ts';
import { RunError } from '../training-run.ts';
import { writeFileAtomic } from '../../platform/files.ts';
import { hostArray } from '../../compile/device-array.ts';
import { flipHorizontal } from '../../data/batches.ts';
import { foldIn, keyFromSeed } from '../../random/key.ts';
import { encodeCodes } from '../../detailflow/codes/codes-file.ts';
import { codeExtractor, spanForImage } from '../../detailflow/codes/extract.ts';
import type { Span } from '../../detailflow/noise-span.ts';

const usage = `detailflow extract-codes --tokenizer CKPT [--data DIR] --out codes.safetensors [--limit M]
                          [--batch B] [--backend B] [--seed S]

Encodes every training image and its horizontal flip with the tokenizer and stores, per row, the
clean token indices and the self-correction pair (reference section 4.4): one noise span per
image (shared by its flip) drawn as the tokenizer's self-correction does for t = N,
input = [clean[:s] ; noisy[s:e] ; new[e:]] and label = [clean[:e] ; new[e:]], plus the class id.
Rows 2i and 2i+1 are image i and its flip. --limit takes only the first M images (2M rows);
encoding all of them takes hours on a CPU. --batch images per step (default 16), --seed the key
of the spans and the noise (default 0).`;

export const extractCodesCommand: Command = {
  name: 'extract-codes',
  summary: 'encode the training set into (clean, input, label) token triples for the AR model',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { tokenizer: 'string', data: 'string', out: 'string', limit: 'number', batch: 'number', backend: 'string', seed: 'number' });
    if (E.isLeft(flags)) return flagProblems(io, 'extract-codes', flags.left, usage);
    const f = flags.right;
    const problems = [
      ...(f.tokenizer === undefined ? ['--tokenizer CKPT is required'] : []),
      ...(f.out === undefined ? ['--out FILE is required'] : []),
      ...(f.limit !== undefined && !(Number.isInteger(f.limit) && f.limit >= 1) ? [`--limit: expected a positive integer, got ${f.limit}`] : []),
      ...(f.batch !== undefined && !(Number.isInteger(f.batch) && f.batch >= 1) ? [`--batch: expected a positive integer, got ${f.batch}`] : []),
      ...(f.seed !== undefined && !(Number.isInteger(f.seed) && f.seed >= 0) ? [`--seed: expected a non-negative integer, got ${f.seed}`] : []),
    ];
    if (problems.length) return flagProblems(io, 'extract-codes', problems, usage);
    const backend = await chooseBackend(f.backend);
    const { tk, params } = await loadTokenizer(f.tokenizer!);
    const cfg = tk.config;
    const data = await loadSplit(f.data, 'train');
    if (data.channels !== cfg.channels || data.height !== cfg.size) {
      throw new RunError(`the data is ${data.channels}x${data.height}x${data.width} but the tokenizer takes ${cfg.channels}x${cfg.size}x${cfg.size}`);
    }
    const images = Math.min(data.count, f.limit ?? data.count);
    const per = Math.min(f.batch ?? 16, images);
    const N = cfg.tokens;
    const pix = cfg.channels * cfg.size * cfg.size;
    const rows = 2 * images;
    const out = { clean: new Int32Array(rows * N), input: new Int32Array(rows * N), label: new Int32Array(rows * N), spans: new Int32Array(rows * 2), classes: new Int32Array(rows) };
    const key = keyFromSeed(f.seed ?? 0);
    const ex = codeExtractor(tk, backend);
    const started = performance.now();
    try {
      for (let first = 0; first < images; first += per) {
        // a static batch shape keeps one compiled plan: the last batch is padded with image 0
        const batch = new Float32Array(2 * per * pix);
        const spans: Span[] = [];
        for (let b = 0; b < per; b++) {
          const i = first + b < images ? first + b : 0;
          const img = data.images.subarray(i * pix, (i + 1) * pix);
          batch.set(img, 2 * b * pix);
          batch.set(flipHorizontal(img, cfg.channels, cfg.size, cfg.size), (2 * b + 1) * pix);
          const span = spanForImage(tk, foldIn(key, 0), i);
          spans.push(span, span);
        }
        const r = await ex.run(params, hostArray(batch, [2 * per, cfg.channels, cfg.size, cfg.size]), spans, foldIn(foldIn(key, 1), first));
        const n = Math.min(per, images - first);
        for (let b = 0; b < 2 * n; b++) {
          const row = 2 * first + b;
          out.clean.set(r.clean.subarray(b * N, (b + 1) * N), row * N);
          out.input.set(r.input.subarray(b * N, (b + 1) * N), row * N);
          out.label.set(r.label.subarray(b * N, (b + 1) * N), row * N);
          out.spans.set([spans[b]!.start, spans[b]!.end], row * 2);
          out.classes[row] = data.labels[first + (b >> 1)]!;
        }
        const done = first + n;
        const rate = done / ((performance.now() - started) / 1000);
        io.err(`extract-codes: ${done}/${images} images (${rate.toFixed(1)} images/s, ${Math.round((images - done) / rate)} s left)`);
      }
    } finally {
      ex.dispose();
    }
    const file = path.resolve(f.out!);
    const bytes = encodeCodes({ shape: { codebookSize: cfg.codebookSize, tokens: N, group: cfg.group, causal: cfg.causal }, source: path.resolve(f.tokenizer!), count: rows, ...out });
    const w = await writeFileAtomic(file, bytes);
    if (E.isLeft(w)) throw new RunError(w.left.message);
    io.out(`extract-codes: ${rows} rows (${images} images and their flips) written to ${file}`);
    return 0;
  },
};

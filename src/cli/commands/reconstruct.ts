import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendFlag, chooseBackend, flagProblems, loadSplit, outputProblems } from '../common.ts';
import { loadTokenizer } from '../models.ts';
import { reconstructionPng } from '../reconstruction-png.ts';
import { reconReport } from '../../experiments/recon-report.ts';
import { describeDips } from '../../detailflow/tokenizer/coarse-to-fine.ts';
import { hostArray } from '../../ir/host-array.ts';
import { RunError } from '../training-run.ts';

const usage = `detailflow reconstruct --tokenizer CKPT [--data DIR] [--count K] [--eval N] --out recon.png [--backend B] [--json]

Encodes test images and decodes every pass-plan prefix t at dec(t): writes a PNG grid (one row per
image, one column per prefix, then the original) for the first K images (default 8), and prints
PSNR per prefix over the first N test images (default 1000; against the degraded target at
dec(t), and against the original after bicubic upscaling) and whether the latter rises strictly
with t (coarse to fine), codebook usage, and the noisy-reconstruction check (a token or group
corrupted at groups 0, G/4, G/2, 3G/4, G-1). Progress goes to stderr.`;

export const reconstructCommand: Command = {
  name: 'reconstruct',
  summary: 'reconstruct test images coarse to fine and report PSNR and codebook usage',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { tokenizer: 'string', data: 'string', count: 'number', eval: 'number', out: 'string', backend: 'string', json: 'boolean' });
    if (E.isLeft(flags)) return flagProblems(io, 'reconstruct', flags.left, usage);
    const f = flags.right;
    const problems = [
      ...(f.tokenizer === undefined ? ['--tokenizer CKPT is required'] : []),
      ...(f.out === undefined ? ['--out recon.png is required'] : []),
      ...(f.count !== undefined && (!Number.isInteger(f.count) || f.count < 1) ? ['--count must be a positive integer'] : []),
      ...(f.eval !== undefined && (!Number.isInteger(f.eval) || f.eval < 1) ? ['--eval must be a positive integer'] : []),
      ...backendFlag(f.backend),
    ];
    if (problems.length) return flagProblems(io, 'reconstruct', problems, usage);
    const unwritable = await outputProblems({ out: f.out });
    if (unwritable.length) return flagProblems(io, 'reconstruct', unwritable, usage);
    const { tk, params } = await loadTokenizer(f.tokenizer as string);
    const backend = await chooseBackend(f.backend);
    const test = await loadSplit(f.data, 'test');
    const c = tk.config;
    if (test.channels !== c.channels || test.height !== c.size) throw new RunError(`the data is ${test.channels}x${test.height} but the tokenizer expects ${c.channels}x${c.size}`);
    const count = Math.min(f.count ?? 8, test.count);
    const evalN = Math.min(f.eval ?? 1000, test.count);
    const per = c.channels * c.size * c.size;
    await writeFile(path.resolve(f.out as string), await reconstructionPng(tk, backend, params, test.images, count));
    const t0 = performance.now();
    const report = await reconReport(tk, backend, params, hostArray(test.images.slice(0, evalN * per), [evalN, c.channels, c.size, c.size]), 50, {
      onBatch: (done, total) => {
        // progress on stderr, so --json output stays one line on stdout
        if (done < total && done % 500 !== 0) return;
        const rate = done / ((performance.now() - t0) / 1000);
        io.err(`reconstruct: ${done}/${total} test images (${rate.toFixed(1)} images/s, ${Math.round((total - done) / rate)} s left)`);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (f.json) { io.out(JSON.stringify({ ...report, backend, seconds })); return 0; }
    io.out(`reconstruction of ${report.images} test images (${backend}, ${seconds.toFixed(1)} s); grid of ${count} written to ${f.out}`);
    io.out('     t  dec(t)  PSNR vs target  PSNR vs original');
    for (const p of report.prefixes) io.out(`${String(p.t).padStart(6)}  ${String(p.side).padStart(6)}  ${p.psnrTarget.toFixed(2).padStart(14)}  ${p.psnrOriginal.toFixed(2).padStart(16)}`);
    io.out(describeDips(report.prefixes.length, report.dips));
    io.out(`codebook: ${report.codebook.used} of ${report.codebook.size} codes used (${(report.codebook.fractionUsed * 100).toFixed(1)}%), perplexity ${report.codebook.perplexity.toFixed(1)}`);
    io.out('noisy reconstruction (t = N): span  PSNR re-encoded  PSNR corrupted only');
    for (const r of report.noisy) io.out(`  [${r.start}, ${r.end})  ${r.corrected.toFixed(2)}  ${r.uncorrected.toFixed(2)}`);
    return 0;
  },
};

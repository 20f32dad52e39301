import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { CliIO, Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { reconstructOfficialCommand } from './reconstruct-official.ts';
import { backendFlag, chooseBackend, flagProblems, intFlag, loadSplit, outputProblems, usageProblems } from '../common.ts';
import { loadTokenizerChecked, shippedModel, shippedName } from '../models.ts';
import { progress } from '../progress.ts';
import { readPicture, writeOutput } from '../picture-files.ts';
import { reconReport, type ReconReport } from '../../experiments/recon-report.ts';
import { describeDips } from '../../detailflow/tokenizer/coarse-to-fine.ts';
import { reconstructor } from '../../detailflow/tokenizer/reconstruct.ts';
import { prefixGrid, reconstructionGrid } from '../../detailflow/tokenizer/reconstruction-grid.ts';
import { describePicture, pictureFor } from '../../detailflow/picture.ts';
import type { TokenizerModel } from '../../detailflow/pretrained/model-files.ts';
import type { BackendName } from '../../compile/backend.ts';
import { hostArray } from '../../ir/host-array.ts';
import { encodePng, type PngImage } from '../../io/png.ts';
import { RunError } from '../training-run.ts';

const DEFAULT_COUNT = 8;
const SCORE_BATCH = 50;

const usage = `detailflow reconstruct [--tokenizer CKPT] [--count K] [--eval N] [--data DIR] [--out FILE] [--backend B] [--json]
detailflow reconstruct --image FILE.png [--tokenizer CKPT] [--out FILE] [--backend B] [--json]
detailflow reconstruct --model DIR --image FILE.png [--t 1,8,32,128] [--out FILE] [--backend B]

Shows a tokenizer coarse to fine: each image is encoded once and every pass-plan prefix t is
decoded at dec(t). --tokenizer defaults to the shipped ${shippedName('tokenizer')}.

Test images (the default): writes a grid of the first K test images (default ${DEFAULT_COUNT}; one row per
image, one column per prefix, nearest-upscaled, then the original) to FILE (default
out/reconstruction.png), and scores the first N test images (default: the same K): PSNR per
prefix (against the degraded target at dec(t), and against the original after bicubic
upscaling) and whether the latter rises strictly with t (coarse to fine), codebook usage, and the
noisy-reconstruction check (a token or group corrupted at groups 0, G/4, G/2, 3G/4, G-1). More
images give steadier figures: --eval 1000 takes a few minutes on wasm here. --data DIR reads
another IDX dataset (default: Fashion-MNIST's test split).

--image FILE.png: your own picture instead (grey or colour; alpha is ignored). It is converted to
the model's channels (colour to grey by luma), centre-cropped to a square and resized to the
model's size (area when shrinking, bicubic when growing); one row (every prefix, then the picture
as the model sees it) goes to FILE (default out/strip.png), and its PSNR per prefix is printed.
A file that cannot be read as a PNG exits 2 naming it.

--model DIR: an official DetailFlow tokenizer imported into DIR by 'detailflow import' instead
(reconstruct-official: the picture at the model's size, 256 px for the released models, decoded
at the prefixes --t).

A missing folder of FILE is created. Progress goes to stderr, --json output to stdout.`;

const spec = {
  tokenizer: 'string', data: 'string', count: 'number', eval: 'number', out: 'string', image: 'string', backend: 'string', json: 'boolean',
  model: 'string', t: 'string',
} as const;

/** The strip of one picture: decoded at every prefix, then the picture itself; PSNR per prefix against it. */
const reconstructPicture = async (
  io: CliIO, model: TokenizerModel, backend: BackendName, file: string, png: PngImage, out: string, json: boolean,
): Promise<number> => {
  const { tk, params } = model;
  const c = tk.config;
  const x = pictureFor(png, c.size, c.channels);
  if (E.isLeft(x)) return usageProblems(io, 'reconstruct', [`--image ${file}: ${x.left}`]);
  const started = performance.now();
  const decoded = await reconstructor(tk, backend).decodePrefixes(params, x.right);
  await writeOutput(out, await encodePng(prefixGrid(tk, decoded.prefixes, x.right.data as Float32Array, 1)));
  const seconds = (performance.now() - started) / 1000;
  const prefixes = decoded.prefixes.map((p) => ({ t: p.t, side: p.side, psnr: p.psnrOriginal }));
  const grey = c.channels === 1 ? 'grey' : 'RGB';
  if (json) {
    io.out(JSON.stringify({ image: path.resolve(file), picture: describePicture(png), size: c.size, channels: c.channels, prefixes, backend, seconds, out }));
    return 0;
  }
  const side = Math.min(png.width, png.height);
  io.out(`reconstruct: ${file} (${describePicture(png)}; its centre ${side}x${side} resized to ${c.size}x${c.size} ${grey}) in ${seconds.toFixed(2)} s on ${backend}; wrote ${out}`);
  io.out('     t  dec(t)  PSNR vs the resized picture');
  for (const p of prefixes) io.out(`${String(p.t).padStart(6)}  ${String(p.side).padStart(6)}  ${p.psnr.toFixed(2).padStart(27)}`);
  return 0;
};

export const reconstructCommand: Command = {
  name: 'reconstruct',
  summary: 'reconstruct test images or your own picture coarse to fine; PSNR per prefix and codebook usage',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, spec);
    if (E.isLeft(flags)) return flagProblems(io, 'reconstruct', flags.left, usage);
    const f = flags.right;
    if (f.model !== undefined) {
      // an imported official model: the same picture strip, by reconstruct-official
      const clash = (['tokenizer', 'count', 'eval', 'data', 'json'] as const).filter((k) => f[k] !== undefined).map((k) => `--${k} does not go with --model (an imported official tokenizer)`);
      const missing = f.image === undefined ? ['--model reconstructs your own picture: give --image FILE.png'] : [];
      if (clash.length || missing.length) return flagProblems(io, 'reconstruct', [...clash, ...missing], usage);
      return reconstructOfficialCommand.run(f.out === undefined ? [...argv, '--out', 'out/strip.png'] : argv, io);
    }
    const problems = [
      ...(f.t !== undefined ? ['--t goes with --model (an imported official tokenizer)'] : []),
      ...intFlag('count', f.count, 1), ...intFlag('eval', f.eval, 1),
      ...backendFlag(f.backend),
      ...(f.image !== undefined ? (['count', 'eval', 'data'] as const).filter((k) => f[k] !== undefined).map((k) => `--${k} applies to test images, not to --image`) : []),
    ];
    if (problems.length) return flagProblems(io, 'reconstruct', problems, usage);
    const out = path.resolve(f.out ?? (f.image !== undefined ? 'out/strip.png' : 'out/reconstruction.png'));
    // refuse early: a run that cannot write its picture should not start
    const unwritable = await outputProblems({ out });
    if (unwritable.length) return flagProblems(io, 'reconstruct', unwritable, usage);
    const picture = f.image === undefined ? undefined : await readPicture(f.image);
    if (picture && E.isLeft(picture)) return usageProblems(io, 'reconstruct', [picture.left]);
    const model = await loadTokenizerChecked(f.tokenizer ?? shippedModel('tokenizer'));
    if (E.isLeft(model)) return usageProblems(io, 'reconstruct', model.left);
    const backend = await chooseBackend(f.backend);
    if (picture) return reconstructPicture(io, model.right, backend, f.image!, picture.right, out, f.json === true);

    const { tk, params } = model.right;
    const test = await loadSplit(f.data, 'test');
    const c = tk.config;
    if (test.channels !== c.channels || test.height !== c.size) throw new RunError(`the data is ${test.channels}x${test.height} but the tokenizer expects ${c.channels}x${c.size}`);
    const count = Math.min(f.count ?? DEFAULT_COUNT, test.count);
    const evalN = Math.min(f.eval ?? count, test.count);
    const per = c.channels * c.size * c.size;
    // one bar over the grid's images and then the scored ones
    const bar = progress(io, { label: 'reconstruct', total: count + evalN, unit: 'images' });
    const t0 = performance.now();
    let report: ReconReport;
    try {
      await writeOutput(out, await encodePng(await reconstructionGrid(model.right.tk, backend, model.right.params, test.images, count, { batch: SCORE_BATCH, onBatch: (done) => bar.update(done) })));
      report = await reconReport(tk, backend, params, hostArray(test.images.slice(0, evalN * per), [evalN, c.channels, c.size, c.size]), SCORE_BATCH, {
        onBatch: (done) => bar.update(count + done),
      });
    } finally {
      bar.finish();
    }
    const seconds = (performance.now() - t0) / 1000;
    if (f.json) { io.out(JSON.stringify({ ...report, grid: { images: count, out }, backend, seconds })); return 0; }
    io.out(`reconstruct: grid of the first ${count} test images written to ${out}`);
    io.out(`scored on the first ${report.images} test images (${backend}, ${seconds.toFixed(1)} s)${f.eval === undefined ? '; --eval N scores more' : ''}`);
    io.out('     t  dec(t)  PSNR vs target  PSNR vs original');
    for (const p of report.prefixes) io.out(`${String(p.t).padStart(6)}  ${String(p.side).padStart(6)}  ${p.psnrTarget.toFixed(2).padStart(14)}  ${p.psnrOriginal.toFixed(2).padStart(16)}`);
    io.out(describeDips(report.prefixes.length, report.dips));
    io.out(`codebook: ${report.codebook.used} of ${report.codebook.size} codes used (${(report.codebook.fractionUsed * 100).toFixed(1)}%), perplexity ${report.codebook.perplexity.toFixed(1)}`);
    if (report.noisy.length === 0) io.out(`noisy reconstruction: not measured (readout '${tk.config.readout}' has no latent queries to re-encode a corrupted prefix with)`);
    else io.out('noisy reconstruction (t = N): span  PSNR re-encoded  PSNR corrupted only');
    for (const r of report.noisy) io.out(`  [${r.start}, ${r.end})  ${r.corrected.toFixed(2)}  ${r.uncorrected.toFixed(2)}`);
    return 0;
  },
};

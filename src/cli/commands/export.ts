import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { flagProblems } from '../common.ts';
import { loadCheckpoint, RunError } from '../training-run.ts';
import { writeFileAtomic } from '../../platform/files.ts';
import { encodeCheckpoint } from '../../train/checkpoint.ts';

const usage = `detailflow export --in CKPT --out FILE [--keep TREE,...]

Writes a checkpoint's inference weights and metadata without the optimiser state: the form in
which trained models are shipped under models/. The weights kept are the EMA tree when the
checkpoint has one (the AR model samples with it), else the parameters; --keep names the trees
to keep instead (e.g. --keep params,ema). Training state (the step) stays in the metadata.`;

/** The trees inference reads: the EMA of the weights when training kept one, else the weights. */
export const inferenceTrees = (trees: readonly string[]): string[] => (trees.includes('ema') ? ['ema'] : ['params']);

export const exportCommand: Command = {
  name: 'export',
  summary: 'keep only a checkpoint\'s inference weights, for shipping',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { in: 'string', out: 'string', keep: 'string' });
    if (E.isLeft(flags)) return flagProblems(io, 'export', flags.left, usage);
    const { in: input, out } = flags.right;
    if (input === undefined || out === undefined) return flagProblems(io, 'export', ['--in and --out are required'], usage);
    const ck = await loadCheckpoint(input, undefined);
    const have = Object.keys(ck.trees);
    const keep = flags.right.keep?.split(',').map((k) => k.trim()) ?? inferenceTrees(have);
    const absent = keep.filter((k) => !have.includes(k));
    if (absent.length) return flagProblems(io, 'export', [`--keep: ${input} has no tree ${absent.join(', ')} (it has ${have.join(', ')})`], usage);
    const shipped = encodeCheckpoint({ ...ck, trees: Object.fromEntries(keep.map((k) => [k, ck.trees[k]!])) });
    const w = await writeFileAtomic(path.resolve(out), shipped);
    if (E.isLeft(w)) throw new RunError(w.left.message);
    io.out(`exported ${ck.kind} ${keep.join(' and ')} to ${out} (${(shipped.length / 1e6).toFixed(2)} MB)`);
    return 0;
  },
};

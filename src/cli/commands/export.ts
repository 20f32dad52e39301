import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { flagProblems } from '../common.ts';
import { loadCheckpoint, RunError } from '../training-run.ts';
import { writeFileAtomic } from '../../platform/files.ts';
import { encodeCheckpoint } from '../../train/checkpoint.ts';

const usage = `detailflow export --in CKPT --out FILE

Writes a checkpoint's parameters and metadata without the optimiser state (a third of the size):
the form in which trained models are shipped under models/. Training state (the step) is kept
in the metadata for the record.`;

export const exportCommand: Command = {
  name: 'export',
  summary: 'strip the optimiser state from a checkpoint for shipping',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { in: 'string', out: 'string' });
    if (E.isLeft(flags)) return flagProblems(io, 'export', flags.left, usage);
    const { in: input, out } = flags.right;
    if (input === undefined || out === undefined) return flagProblems(io, 'export', ['--in and --out are required'], usage);
    const ck = await loadCheckpoint(input, undefined);
    const shipped = encodeCheckpoint({ ...ck, trees: { params: ck.trees.params } });
    const w = await writeFileAtomic(path.resolve(out), shipped);
    if (E.isLeft(w)) throw new RunError(w.left.message);
    io.out(`exported ${ck.kind} parameters to ${out} (${(shipped.length / 1e6).toFixed(2)} MB)`);
    return 0;
  },
};

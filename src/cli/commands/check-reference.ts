import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { chooseBackend, flagProblems } from '../common.ts';
import { RunError } from '../training-run.ts';
import { readFileBytes } from '../../platform/files.ts';
import { checkReference } from '../../detailflow/official/reference.ts';
import { formatReport } from '../../detailflow/official/compare.ts';
import { openTorchCheckpoint, stateDictAt } from '../torch-checkpoint-file.ts';

const usage = `detailflow check-reference FIXTURE.safetensors [--pt FILE.pt [--ema]] [--backend B] [--json]

Imports the official DetailFlow model of an official-code fixture (a safetensors file holding the
state dict under the official names, inputs fixture.in.* and outputs fixture.out.*), runs it on the
inputs and compares every fixture.out.* tensor: floats by their max absolute difference against a
per-output tolerance (1e-4; train_loss 1e-5; freqs_cis 1e-5), integer outputs (codes, generated
tokens, masks) exactly. --pt takes the weights from a torch.save checkpoint instead (its "model"
state dict, or "ema" with --ema). Exit 0 when every output matches, 1 otherwise.`;

export const checkReferenceCommand: Command = {
  name: 'check-reference',
  summary: 'run an official model on an official-code fixture and compare every output',
  usage,
  run: async (argv, io) => {
    const [fixture, ...rest] = argv;
    if (fixture === undefined || fixture.startsWith('--')) return flagProblems(io, 'check-reference', ['the fixture file is required as the first argument'], usage);
    const flags = parseFlags(rest, { pt: 'string', ema: 'boolean', backend: 'string', json: 'boolean' });
    if (E.isLeft(flags)) return flagProblems(io, 'check-reference', flags.left, usage);
    if (flags.right.ema && !flags.right.pt) return flagProblems(io, 'check-reference', ['--ema picks a state dict of --pt; give --pt too'], usage);
    const bytes = await readFileBytes(path.resolve(fixture), 'pass an official fixture, e.g. ../shared/reference/fixtures/tok-tiny-p8.safetensors');
    if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
    const backend = await chooseBackend(flags.right.backend);
    const pt = flags.right.pt;
    const open = pt === undefined ? undefined : openTorchCheckpoint(pt);
    try {
      const key = flags.right.ema ? 'ema' : 'model';
      const stateDict = open && pt ? stateDictAt(open, key, pt) : undefined;
      const r = await checkReference(bytes.right, { backend, stateDict, weightsName: pt ? `${pt} ['${key}']` : undefined });
      if (E.isLeft(r)) throw new RunError(`${fixture}:\n${r.left.map((p) => `  - ${p}`).join('\n')}`);
      io.out(flags.right.json ? JSON.stringify(r.right, (_, v: unknown) => (v === Infinity ? 'Infinity' : v)) : formatReport(r.right));
      return r.right.ok ? 0 : 1;
    } finally {
      open?.close();
    }
  },
};

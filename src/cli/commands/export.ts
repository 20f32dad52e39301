import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { flagProblems, outputProblems } from '../common.ts';
import { loadCheckpoint, RunError } from '../training-run.ts';
import { writeFileAtomic } from '../../platform/files.ts';
import { checkTrees, encodeCheckpoint } from '../../train/checkpoint.ts';
import type { ModelSpec } from '../../train/model-file.ts';
import { AR_KIND, TOKENIZER_KIND, arSpec, tokenizerSpec } from '../../detailflow/pretrained/model-files.ts';
import { TEACHER_KIND, teacherSpec } from '../../detailflow/teacher/teacher-file.ts';
import { EVALUATOR_KIND, evaluatorSpec } from '../../eval/evaluator/evaluator-file.ts';

const usage = `detailflow export --in CKPT --out FILE [--keep TREE,...] [--half]

Writes a checkpoint's inference weights and metadata without the optimiser state: the form in
which trained models are shipped under models/. The weights kept are the EMA tree when the
checkpoint has one (the AR model samples with it; a tokenizer's is written as its params), else
the parameters; --keep names the trees to keep as they are instead (e.g. --keep params,ema). Training state (the step) stays in the metadata.
Every kept weight tree is checked against the shapes its configuration implies, and paths in
the metadata are cut to file names (a shipped model holds nothing of the machine it came from).
--half stores the float weights as float16 (safetensors F16): half the bytes, and they load as
float32 rounded to 11 significant bits (the shipped models are stored this way).`;

/** The parameter shapes each kind of checkpoint's configuration implies; params and ema share them. */
const specs: Readonly<Record<string, (meta: Readonly<Record<string, unknown>>) => E.Either<string, ModelSpec<unknown>>>> = {
  [TOKENIZER_KIND]: tokenizerSpec, [AR_KIND]: arSpec, [TEACHER_KIND]: teacherSpec, [EVALUATOR_KIND]: evaluatorSpec,
};
const WEIGHT_TREES = ['params', 'ema'];

/** Metadata with every absolute path cut to its file name (older checkpoints recorded paths). */
export const withoutPaths = (u: unknown): unknown => {
  if (typeof u === 'string') return path.isAbsolute(u) ? path.basename(u) : u;
  if (Array.isArray(u)) return u.map(withoutPaths);
  if (typeof u === 'object' && u !== null) return Object.fromEntries(Object.entries(u).map(([k, v]) => [k, withoutPaths(v)]));
  return u;
};

export const exportCommand: Command = {
  name: 'export',
  summary: 'keep only a checkpoint\'s inference weights, for shipping',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { in: 'string', out: 'string', keep: 'string', half: 'boolean' });
    if (E.isLeft(flags)) return flagProblems(io, 'export', flags.left, usage);
    const { in: input, out } = flags.right;
    if (input === undefined || out === undefined) return flagProblems(io, 'export', ['--in and --out are required'], usage);
    const unwritable = await outputProblems({ out });
    if (unwritable.length) return flagProblems(io, 'export', unwritable, usage);
    const ck = await loadCheckpoint(input, undefined);
    const have = Object.keys(ck.trees);
    if (have.length === 0) throw new RunError(`${input} holds no weight trees: there is nothing to export`);
    const spec = specs[ck.kind];
    if (!spec) throw new RunError(`${input}: export knows the kinds ${Object.keys(specs).join(', ')}, not '${ck.kind}'`);
    const implied = spec(ck.meta);
    if (E.isLeft(implied)) throw new RunError(`${input}: ${implied.left}`);
    const [inference, layout] = Object.entries(implied.right.trees)[0]!;
    const given = flags.right.keep?.split(',').map((k) => k.trim());
    // tree written -> tree read: by default the kind's inference tree, filled from the EMA when training kept one
    const keep: ReadonlyArray<readonly [string, string]> = given
      ? given.map((k) => [k, k] as const)
      : [[inference, have.includes('ema') ? 'ema' : 'params']];
    const absent = keep.map(([, from]) => from).filter((k) => !have.includes(k));
    if (absent.length && given) return flagProblems(io, 'export', [`--keep: ${input} has no tree ${absent.join(', ')} (it has ${have.join(', ')})`], usage);
    if (absent.length) throw new RunError(`${input} has no ${absent.join(' or ')} tree to export (it has ${have.join(', ')}); name the trees with --keep`);
    const weights = keep.filter(([, from]) => WEIGHT_TREES.includes(from));
    const checked = checkTrees(ck, Object.fromEntries(weights.map(([, from]) => [from, layout.specs])));
    if (E.isLeft(checked)) throw new RunError(`${input}: it does not match its configuration: ${checked.left.message}`);
    const meta = withoutPaths(ck.meta) as Record<string, unknown>;
    const shipped = encodeCheckpoint({ ...ck, meta, trees: Object.fromEntries(keep.map(([to, from]) => [to, ck.trees[from]!])) }, { floats: flags.right.half ? 'F16' : 'F32' });
    const w = await writeFileAtomic(path.resolve(out), shipped);
    if (E.isLeft(w)) throw new RunError(w.left.message);
    io.out(`exported ${ck.kind} ${keep.map(([to, from]) => (to === from ? to : `${from} as ${to}`)).join(' and ')} to ${out} (${(shipped.length / 1e6).toFixed(2)} MB${flags.right.half ? ', float16' : ''})`);
    return 0;
  },
};

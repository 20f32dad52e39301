/**
 * A run directory across processes (Node edge), so that no run destroys another's work:
 * - a folder that holds a run is taken only with --resume (continue it) or --force (move it
 *   aside into RUN_DIR/previous-<n>/; nothing is deleted);
 * - temporary files left by a save that was killed are removed on the next start;
 * - --resume reads the newest whole checkpoint: a truncated or corrupt one is named in one line,
 *   kept under another name, and its .prev taken instead;
 * - on resume the log is cut back to the checkpoint's step, so no step appears twice.
 */
import * as E from 'fp-ts/lib/Either.js';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CliIO } from './command.ts';
import { prepareRunDir, RunError } from './training-run.ts';
import { temporaryFileOf, writeFileAtomic } from '../platform/files.ts';
import { decodeCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { checkpointDamage, type CheckpointDamage } from '../train/checkpoint-damage.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Tree } from '../tree/tree.ts';

const LOG_FILE = 'log.jsonl';

/** What a trainer writes into its run directory. */
export interface RunLayout {
  /** The checkpoint's file name ('ar.safetensors'); `<name>.prev` and damaged copies belong to the run too. */
  readonly checkpoint: string;
  /** Other files of the run (the tokenizer's recon-<step>.png). */
  readonly extra?: RegExp;
}

export interface ClaimedRun {
  readonly dir: string;
  /** The checkpoint's path. */
  readonly file: string;
  /** Where a file now is: under previous-<n>/ when --force moved it there, else where it was (e.g. an --init checkpoint). */
  readonly moved: (file: string) => string;
}

const isRunFile = (name: string, layout: RunLayout): boolean =>
  name === layout.checkpoint || name.startsWith(`${layout.checkpoint}.`) || name === LOG_FILE || (layout.extra?.test(name) ?? false);

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as { code?: string }).code === 'EPERM'; }
};

const listed = (names: readonly string[], max = 3): string =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;

/**
 * Removes the temporary files of this run's own writes (checkpoint, its .prev copy, the log, the
 * layout's extra files, the writability probe) whose process is gone; any other file, and a live process's, stays.
 * (A recycled process id only postpones the removal to a later start.)
 */
export const removeOrphanedTemps = async (dir: string, layout: RunLayout): Promise<string[]> => {
  const ours = new Set([layout.checkpoint, `${layout.checkpoint}.prev`, LOG_FILE, 'probe']);
  const orphans = (await readdir(dir)).filter((name) => {
    const t = temporaryFileOf(name);
    return t !== undefined && (ours.has(t.base) || (layout.extra?.test(t.base) ?? false)) && t.pid !== process.pid && !alive(t.pid);
  });
  for (const name of orphans) await rm(path.join(dir, name), { force: true });
  return orphans;
};

/** Moves the run's files into the first free RUN_DIR/previous-<n>/ and returns that folder. */
const moveAside = async (dir: string, names: readonly string[]): Promise<string> => {
  const taken = new Set(await readdir(dir));
  let n = 1;
  while (taken.has(`previous-${n}`)) n++;
  const dest = path.join(dir, `previous-${n}`);
  await mkdir(dest);
  // the checkpoint last: until it has moved, the folder still reads as holding a run
  const order = [...names].sort((a, b) => Number(a.endsWith('.safetensors')) - Number(b.endsWith('.safetensors')));
  for (const name of order) await rename(path.join(dir, name), path.join(dest, name));
  return dest;
};

/** The run's files in `dir`. */
const runFiles = async (dir: string, layout: RunLayout): Promise<string[]> =>
  (await readdir(dir)).filter((n) => isRunFile(n, layout)).sort();

/** Whether those files hold any work: an empty log (a restart cut it back to nothing) holds none. */
const holdsWork = async (dir: string, names: readonly string[]): Promise<boolean> =>
  names.some((n) => n !== LOG_FILE) || (names.includes(LOG_FILE) && (await readFile(path.join(dir, LOG_FILE), 'utf8')).trim() !== '');

/**
 * Takes `out` as a trainer's run directory, before any data or model loads: makes and probes it,
 * removes orphaned temporary files (one line on stderr), and refuses a folder that already holds
 * a run unless `resume` (continue it) or `force` (move it aside). Left: the one-line refusal, for
 * exit code 2. A failing probe throws RunError, as `prepareRunDir` does.
 */
export const claimRunDir = async (
  out: string, layout: RunLayout, flags: { readonly resume?: boolean | undefined; readonly force?: boolean | undefined }, io: CliIO,
): Promise<E.Either<string, ClaimedRun>> => {
  if (flags.resume && flags.force) return E.left('--resume and --force exclude each other: --resume continues the run in the folder, --force moves it aside and starts afresh');
  const dir = await prepareRunDir(out);
  const removed = await removeOrphanedTemps(dir, layout);
  if (removed.length) io.err(`removed ${removed.length} temporary file${removed.length > 1 ? 's' : ''} left by an interrupted save in ${dir}: ${listed(removed)}`);
  const held = await runFiles(dir, layout);
  const claimed = { dir, file: path.join(dir, layout.checkpoint), moved: (f: string) => f };
  if (flags.resume) {
    return held.length > 0 ? E.right(claimed) : E.left(`--resume: ${dir} holds no run to resume (no ${layout.checkpoint}, no ${LOG_FILE}); drop --resume to start one`);
  }
  if (!(await holdsWork(dir, held))) return E.right(claimed);
  if (!flags.force) {
    return E.left(`${dir} already holds a run (${listed(held)}): pass --resume to continue it, or --force to move it aside into ${path.join(dir, 'previous-<n>')} and start afresh`);
  }
  const dest = await moveAside(dir, held);
  io.err(`--force: moved the earlier run (${listed(held)}) into ${dest}`);
  const moved = (f: string) => path.dirname(path.resolve(f)) === dir && held.includes(path.basename(f)) ? path.join(dest, path.basename(f)) : f;
  return E.right({ ...claimed, moved });
};

const readIfThere = async (file: string): Promise<Uint8Array | undefined> => {
  try {
    const buf = await readFile(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw new RunError(`reading ${file} failed: ${(e as Error).message}`);
  }
};

type Candidate =
  | { readonly file: string; readonly state: 'missing' }
  | { readonly file: string; readonly state: 'damaged'; readonly damage: CheckpointDamage }
  | { readonly file: string; readonly state: 'whole'; readonly ck: Checkpoint };

const candidate = async (file: string, kind: string, expected: Readonly<Record<string, Tree<HostArray>>>): Promise<Candidate> => {
  const bytes = await readIfThere(file);
  if (bytes === undefined) return { file, state: 'missing' };
  const damage = checkpointDamage(bytes);
  if (damage) return { file, state: 'damaged', damage };
  // a whole file of the wrong kind or shapes is the user's mismatch, not damage: no fallback
  const ck = decodeCheckpoint(bytes, kind, expected);
  if (E.isLeft(ck)) throw new RunError(`${file}: ${ck.left.message}`);
  return { file, state: 'whole', ck: ck.right };
};

const describeBad = (c: Candidate): string =>
  c.state === 'damaged' ? `${c.file} is ${c.damage.kind} (${c.damage.detail})` : `${c.file} is missing`;

/** Renames a damaged checkpoint to `<file>.truncated` (or .corrupt, -2, -3, ... when taken), so the next save does not rotate it into .prev. */
const keepDamaged = async (file: string, kind: CheckpointDamage['kind']): Promise<string> => {
  const taken = new Set(await readdir(path.dirname(file)));
  let name = `${path.basename(file)}.${kind}`;
  for (let n = 2; taken.has(name); n++) name = `${path.basename(file)}.${kind}-${n}`;
  await rename(file, path.join(path.dirname(file), name));
  return name;
};

/**
 * The checkpoint a --resume continues from: the newest whole one (the checkpoint, or its .prev
 * when the checkpoint is truncated, corrupt or missing), or undefined when the run never saved.
 */
const resumable = async (file: string, kind: string, expected: Readonly<Record<string, Tree<HostArray>>>, io: CliIO): Promise<Checkpoint | undefined> => {
  const latest = await candidate(file, kind, expected);
  if (latest.state === 'whole') { io.err(`resuming ${file} at step ${stepOf(latest.ck)}`); return latest.ck; }
  const prev = await candidate(`${file}.prev`, kind, expected);
  if (prev.state === 'whole') {
    const kept = latest.state === 'damaged' ? await keepDamaged(file, latest.damage.kind) : undefined;
    io.err(`${describeBad(latest)}; resuming from ${prev.file} at step ${stepOf(prev.ck)} instead${kept ? ` (the damaged file is kept as ${kept})` : ''}`);
    return prev.ck;
  }
  if (latest.state === 'missing' && prev.state === 'missing') return undefined;
  throw new RunError(`${describeBad(latest)} and ${describeBad(prev)}: nothing whole to resume from; start afresh with --force (it moves these files aside)`);
};

const stepOf = (ck: Checkpoint): number => (ck.meta.state as { step: number }).step;

const stepOfLine = (line: string): number | undefined => {
  try {
    const v = JSON.parse(line) as { step?: unknown };
    return typeof v === 'object' && v !== null && typeof v.step === 'number' ? v.step : undefined;
  } catch { return undefined; }
};

/**
 * Cuts the log back to what was written up to the checkpoint of step `start`: the lines up to the
 * first of step `start` (its metrics) stay; every later line, redone by this run, goes, as does a
 * last line cut off by a kill. Returns how many lines went.
 */
export const cutLog = async (file: string, start: number): Promise<number> => {
  const text = await readFile(file, 'utf8').catch((e: { code?: string }) => { if (e.code === 'ENOENT') return ''; throw e; });
  const lines = text.split('\n');
  // the last piece has no newline: empty when the text ends with one, else a line a kill cut off
  if (lines.at(-1) === '') lines.pop();
  else if (stepOfLine(lines.at(-1)!) === undefined) lines.pop();
  const keep: string[] = [];
  for (const line of lines) {
    const step = stepOfLine(line);
    if (step !== undefined && step > start) break;
    keep.push(line);
    if (step === start) break;
  }
  const dropped = text.split('\n').filter((l) => l !== '').length - keep.length;
  const cut = keep.length === 0 ? '' : `${keep.join('\n')}\n`;
  if (cut === text) return 0;
  const w = await writeFileAtomic(file, new TextEncoder().encode(cut));
  if (E.isLeft(w)) throw new RunError(w.left.message);
  return dropped;
};

/**
 * Where a run starts: the fresh state at step 0, or with --resume the newest whole checkpoint's
 * trees (every tensor checked against the fresh state's shape) at its recorded step, the log cut
 * back to that step. A run that never saved restarts from step 0.
 */
export const startingPoint = async <S extends object>(
  resume: boolean | undefined, file: string, kind: string, fresh: S, io: CliIO,
): Promise<{ state: S; start: number }> => {
  if (!resume) return { state: fresh, start: 0 };
  const ck = await resumable(file, kind, fresh as never, io);
  if (!ck) io.err(`${path.dirname(file)} has no checkpoint yet: the run starts over from step 0`);
  const start = ck ? stepOf(ck) : 0;
  const dropped = await cutLog(path.join(path.dirname(file), LOG_FILE), start);
  if (dropped) io.err(`${LOG_FILE}: dropped ${dropped} line${dropped > 1 ? 's' : ''} after step ${start}, which this run redoes`);
  const state = ck ? Object.fromEntries(Object.keys(fresh).map((k) => [k, ck.trees[k]])) as S : fresh;
  return { state, start };
};

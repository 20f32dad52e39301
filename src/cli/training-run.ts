/**
 * The file side of a training run (Node edge): run directory, JSONL log, progress on stderr,
 * checkpoints rotated atomically (resume and the rules of a run directory: run-dir.ts). Training
 * logic itself stays in the platform-neutral trainers; this module only moves bytes.
 */
import * as E from 'fp-ts/lib/Either.js';
import { appendFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { CliIO } from './command.ts';
import { checkWritableDir, readFileBytes, rotateCheckpoint, type WriteOptions } from '../platform/files.ts';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { formatProgress, metricsLine } from '../train/progress.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Tree } from '../tree/tree.ts';

export class RunError extends Error {
  constructor(message: string) { super(message); this.name = 'RunError'; }
}

export const prepareRunDir = async (dir: string): Promise<string> => {
  const abs = path.resolve(dir);
  const w = await checkWritableDir(abs);
  if (E.isLeft(w)) throw new RunError(`cannot write to the run directory ${abs}: ${w.left.problems.join('; ')}; choose another --out`);
  return abs;
};

/**
 * Test seam, for the kill tests only (test/cli/kill-resume.test.ts): DETAILFLOW_TEST_SAVE_PAUSE_MS=N
 * makes every save say each stage of its atomic write on stderr ('detailflow-test: save
 * temp-written') and then pause N ms, so a test can SIGKILL the process inside the save.
 */
const testSavePause = (): WriteOptions => {
  const raw = process.env['DETAILFLOW_TEST_SAVE_PAUSE_MS'];
  const ms = Number(raw);
  if (raw === undefined || raw === '' || !(ms >= 0)) return {};
  return { onStage: (stage) => { writeSync(2, `detailflow-test: save ${stage}\n`); return new Promise((r) => setTimeout(r, ms)); } };
};

export const saveCheckpoint = async (dir: string, name: string, ck: Checkpoint): Promise<string> => {
  const r = await rotateCheckpoint(dir, name, encodeCheckpoint(ck), testSavePause());
  if (E.isLeft(r)) throw new RunError(r.left.message);
  return r.right.path;
};

export const loadCheckpoint = async (file: string, kind: string | undefined, expected?: Readonly<Record<string, Tree<HostArray>>>): Promise<Checkpoint> => {
  const bytes = await readFileBytes(path.resolve(file), `pass the path of a ${kind ?? 'detailflow'} checkpoint (.safetensors)`);
  if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
  const ck = decodeCheckpoint(bytes.right, kind, expected);
  if (E.isLeft(ck)) throw new RunError(`${file}: ${ck.left.message}`);
  return ck.right;
};

/** Progress on stderr: rewritten in place on a terminal, one line every `every` steps otherwise. */
export const progressReporter = (io: CliIO, opts: { total: number; startStep: number; imagesPerStep: number; every?: number; tty?: boolean }) => {
  const started = performance.now();
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  const every = opts.every ?? 25;
  return (step: number, metrics: Record<string, number>, force = false): void => {
    if (!tty && !force && step % every !== 0 && step !== opts.total) return;
    const line = formatProgress({ step, total: opts.total, startStep: opts.startStep, startedMs: started, nowMs: performance.now(), imagesPerStep: opts.imagesPerStep, metrics });
    if (tty) process.stderr.write(`\r${line}\x1b[K${step === opts.total ? '\n' : ''}`);
    else io.err(line);
  };
};

/**
 * One JSON line per call, appended synchronously: lines land in step order, and a step's line is
 * in the file before the checkpoint after it is written (a resume cuts the log back to it).
 */
export const jsonlLogger = (file: string) => async (step: number, metrics: Record<string, number>, extra: Record<string, unknown> = {}): Promise<void> => {
  appendFileSync(file, `${metricsLine(step, metrics, extra)}\n`);
};

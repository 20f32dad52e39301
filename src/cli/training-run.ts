/**
 * The file side of a training run (Node edge): run directory, JSONL log, progress on stderr,
 * checkpoints rotated atomically (resume and the rules of a run directory: run-dir.ts). Training
 * logic itself stays in the platform-neutral trainers; this module only moves bytes.
 */
import * as E from 'fp-ts/lib/Either.js';
import { appendFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { CliIO } from './command.ts';
import { fit, stderrSink } from './progress.ts';
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

export interface ProgressReporter {
  /** Step `step` is done with these metrics. */
  (step: number, metrics: Record<string, number>): void;
  /** The run stopped (at the end or at --until): ends the terminal line, or logs the last step not yet logged. */
  finish(): void;
}

/**
 * Training progress on stderr, where progress.ts's other commands write theirs (its sink: the
 * terminal, or io.err one line at a time). On a terminal: one line redrawn in place, cut to the
 * terminal's width and never over 80 columns. Otherwise (a log file, CI): a line every few seconds
 * by the clock, not every N steps; the first and the last step are always written.
 */
export const progressReporter = (io: CliIO, opts: {
  total: number; startStep: number; imagesPerStep: number; intervalMs?: number; now?: () => number;
  /** Overrides of the sink (tests): a terminal or not, its width, where its text goes. */
  tty?: boolean; columns?: number; write?: (text: string) => void;
}): ProgressReporter => {
  const base = stderrSink(io);
  const tty = opts.tty ?? base.tty;
  const write = opts.write ?? base.write;
  const now = opts.now ?? (() => performance.now());
  const started = now();
  // one column short of the terminal: writing the last one makes some terminals wrap
  const width = Math.min(80, opts.columns ?? base.columns) - 1;
  const interval = opts.intervalMs ?? 5000;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let pending: string | undefined;
  let open = false;
  const report = (step: number, metrics: Record<string, number>): void => {
    const t = now();
    const line = formatProgress({ step, total: opts.total, startStep: opts.startStep, startedMs: started, nowMs: t, imagesPerStep: opts.imagesPerStep, metrics });
    if (step !== opts.total && t - lastWrite < (tty ? 100 : interval)) { pending = line; return; }
    lastWrite = t;
    pending = undefined;
    if (tty) {
      write(`\r${fit(line, width)}\x1b[K${step === opts.total ? '\n' : ''}`);
      open = step !== opts.total;
    } else write(line);
  };
  return Object.assign(report, {
    finish: (): void => {
      if (tty && open) {
        if (pending !== undefined) write(`\r${fit(pending, width)}\x1b[K`);
        write('\n');
        open = false;
      } else if (!tty && pending !== undefined) write(pending);
      pending = undefined;
    },
  });
};

/**
 * One JSON line per call, appended synchronously: lines land in step order, and a step's line is
 * in the file before the checkpoint after it is written (a resume cuts the log back to it).
 */
export const jsonlLogger = (file: string) => async (step: number, metrics: Record<string, number>, extra: Record<string, unknown> = {}): Promise<void> => {
  appendFileSync(file, `${metricsLine(step, metrics, extra)}\n`);
};

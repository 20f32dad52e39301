/**
 * Progress of long CLI work, on stderr (stdout keeps the command's result, e.g. its --json line).
 * On a terminal: one bar, redrawn in place, with the rate and the time left, never wider than 80
 * columns (or the terminal, when narrower). Otherwise (a log file, a pipe, CI): one plain line
 * every few seconds, by the clock rather than every N items, so a slow job is never silent for
 * long and a fast one does not flood the log; and a last line when the work ends, if any line
 * was printed before it.
 *
 * The formatting is pure (formatBar, formatLine); `progress` only decides when to write.
 */
import type { CliIO } from './command.ts';
import { processIO } from './io.ts';

/** What a progress line shows. */
export interface ProgressState {
  /** Who is working on what, e.g. "eval: generation". */
  readonly label: string;
  readonly done: number;
  readonly total: number;
  /** Plural noun of the items counted, e.g. "images". */
  readonly unit: string;
  readonly elapsedMs: number;
}

/** The widest a bar is drawn, whatever the terminal's width. */
const MAX_COLUMNS = 80;

/** 5 -> "0:05", 65 -> "1:05", 3723 -> "1:02:03"; rounded up, so a bar never claims 0:00 left before the end. */
export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
};

/** Items per second with three significant figures at most: 0.123, 1.23, 12.3, 123, 1234. */
export const formatRate = (perSecond: number): string => {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0';
  if (perSecond >= 100) return perSecond.toFixed(0);
  if (perSecond >= 10) return perSecond.toFixed(1);
  if (perSecond >= 1) return perSecond.toFixed(2);
  return perSecond.toPrecision(3);
};

const rateOf = (p: ProgressState): number => (p.elapsedMs > 0 ? p.done / (p.elapsedMs / 1000) : 0);

/** Seconds left at the rate so far; NaN when there is no rate yet. */
const secondsLeft = (p: ProgressState): number => {
  const rate = rateOf(p);
  return p.done >= p.total ? 0 : rate > 0 ? (p.total - p.done) / rate : Number.NaN;
};

const fraction = (p: ProgressState): number => (p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 1);

/** Shortens text to `width` characters, marking the cut with "~". */
export const fit = (text: string, width: number): string => (text.length <= width ? text : width <= 1 ? text.slice(0, Math.max(0, width)) : `${text.slice(0, width - 1)}~`);

/**
 * One terminal line, at most `width` characters (capped at 80):
 * `eval: generation [#######.......]  41% 412/1000 31.2 images/s ETA 0:19`.
 * When space is short the label is shortened first, then the bar, then the counts go.
 */
export const formatBar = (p: ProgressState, width: number = MAX_COLUMNS): string => {
  const w = Math.max(1, Math.min(MAX_COLUMNS, Math.floor(width)));
  const pct = `${String(Math.floor(fraction(p) * 100)).padStart(3)}%`;
  const end = p.done >= p.total ? `in ${formatDuration(p.elapsedMs / 1000)}` : `ETA ${formatDuration(secondsLeft(p))}`;
  const full = ` ${pct} ${p.done}/${p.total} ${formatRate(rateOf(p))} ${p.unit}/s ${end}`;
  const short = ` ${pct} ${end}`;
  const MIN_BAR = 10;
  for (const tail of [full, short]) {
    // label, space, [bar], tail
    const room = w - tail.length - 3;
    if (room < MIN_BAR) continue;
    const label = fit(p.label, Math.max(0, room - MIN_BAR - 1));
    const barWidth = Math.min(30, room - (label.length > 0 ? label.length + 1 : 0));
    const filled = Math.round(fraction(p) * barWidth);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
    return `${label.length > 0 ? `${label} ` : ''}${bar}${tail}`;
  }
  return fit(`${p.label}${short}`, w);
};

/**
 * One plain log line: `eval: generation: 412/1000 images (41%), 31.2 images/s, 0:19 left`,
 * or at the end `eval: generation: 1000/1000 images in 0:32 (31.2 images/s)`.
 */
export const formatLine = (p: ProgressState): string => {
  const rate = `${formatRate(rateOf(p))} ${p.unit}/s`;
  return p.done >= p.total
    ? `${p.label}: ${p.done}/${p.total} ${p.unit} in ${formatDuration(p.elapsedMs / 1000)} (${rate})`
    : `${p.label}: ${p.done}/${p.total} ${p.unit} (${Math.floor(fraction(p) * 100)}%), ${rate}, ${formatDuration(secondsLeft(p))} left`;
};

/** The parent's terminal width, set for a child whose stderr the parent filters on its way to that terminal (quiet-dawn.ts). */
export const TTY_COLUMNS_ENV = 'DETAILFLOW_STDERR_COLUMNS';

/** Where progress goes: a terminal (redrawn in place, `columns` wide) or a stream of lines. */
export interface ProgressSink {
  readonly tty: boolean;
  readonly columns: number;
  /** Raw text (terminal) or one line (otherwise). */
  readonly write: (text: string) => void;
}

/** The process's stderr when `io` is the process's and stderr is a terminal; else `io.err`, one line per call. */
export const stderrSink = (io: CliIO): ProgressSink => {
  // a child whose stderr is filtered on its way to the parent's terminal (quiet-dawn.ts) is told its width
  const parentColumns = Number(process.env[TTY_COLUMNS_ENV] ?? 0);
  return io === processIO && (process.stderr.isTTY || parentColumns > 0)
    ? { tty: true, columns: process.stderr.columns || parentColumns || MAX_COLUMNS, write: (text) => void process.stderr.write(text) }
    : { tty: false, columns: MAX_COLUMNS, write: (text) => io.err(text) };
};

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  readonly unit: string;
  /** Between two plain lines (not on a terminal); default 5 s. */
  readonly intervalMs?: number;
  readonly sink?: ProgressSink;
  /** Milliseconds, monotonic; tests pass a fake clock. */
  readonly now?: () => number;
}

export interface Progress {
  /** `done` items of `total` are finished. */
  readonly update: (done: number) => void;
  /** The work is over (also when it stopped early): the bar's last state ends its line. */
  readonly finish: () => void;
}

/** Redraws of the bar at most this often: a terminal gains nothing from more. */
const REDRAW_MS = 100;

export const progress = (io: CliIO, opts: ProgressOptions): Progress => {
  const sink = opts.sink ?? stderrSink(io);
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 5000;
  const started = now();
  let done = 0;
  let lastWrite = started;
  let printed = false;
  let finished = false;
  let lastLineDone = -1;
  const state = (): ProgressState => ({ label: opts.label, done, total: opts.total, unit: opts.unit, elapsedMs: now() - started });
  // one column short of the terminal's width: writing the last column makes some terminals wrap
  const draw = (): void => sink.write(`\r${formatBar(state(), sink.columns - 1)}\x1b[K`);
  if (sink.tty) {
    draw();
    printed = true;
  }
  return {
    update: (n) => {
      if (finished) return;
      done = n;
      const t = now();
      if (t - lastWrite < (sink.tty ? REDRAW_MS : interval)) return;
      lastWrite = t;
      printed = true;
      if (sink.tty) draw();
      else {
        sink.write(formatLine(state()));
        lastLineDone = done;
      }
    },
    finish: () => {
      if (finished) return;
      finished = true;
      if (sink.tty) sink.write(`\r${formatBar(state(), sink.columns - 1)}\x1b[K\n`);
      // the last line, unless the one just written already said it
      else if (printed && lastLineDone !== done) sink.write(formatLine(state()));
    },
  };
};

/** One progress line: step, bar, ETA, images/s and the latest loss terms. Pure, so it is testable. */
export interface ProgressState {
  readonly step: number;
  readonly total: number;
  /** Step the run (or the resumed part of it) started at, and when. */
  readonly startStep: number;
  readonly startedMs: number;
  readonly nowMs: number;
  readonly imagesPerStep: number;
  readonly metrics: Readonly<Record<string, number>>;
}

const duration = (s: number): string => {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
};

const num = (v: number): string => (Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4));

export const formatProgress = (p: ProgressState, width = 20): string => {
  const done = p.step - p.startStep;
  const secs = (p.nowMs - p.startedMs) / 1000;
  const perStep = done > 0 ? secs / done : NaN;
  const frac = p.total > 0 ? p.step / p.total : 1;
  const filled = Math.round(frac * width);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  const ips = done > 0 ? (done * p.imagesPerStep) / secs : NaN;
  const terms = Object.entries(p.metrics).map(([k, v]) => `${k} ${num(v)}`).join(' ');
  return `step ${p.step}/${p.total} [${bar}] ${(frac * 100).toFixed(0)}% | ETA ${duration(perStep * (p.total - p.step))} | ${Number.isFinite(ips) ? ips.toFixed(1) : '?'} img/s | ${terms}`;
};

/** One JSONL metrics record. */
export const metricsLine = (step: number, metrics: Readonly<Record<string, number>>, extra: Readonly<Record<string, unknown>> = {}): string =>
  JSON.stringify({ step, ...extra, ...metrics });

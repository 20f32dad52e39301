/**
 * Line plots as PNG-ready RGB rasters, drawn by the project itself (no plotting library): one
 * panel per series, stacked, each with its own y range. The raw points are drawn light and
 * their moving average dark; the y range follows the moving average (raw spikes are clipped) so
 * a long run's trend stays readable. Labels use the 5x7 bitmap font.
 */
import { rasterText } from './bitmap-font.ts';
import type { PngImage } from './png.ts';

export interface Series {
  readonly name: string;
  /** Points in x order (e.g. step, value). */
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface PlotOptions {
  readonly width?: number;
  readonly panelHeight?: number;
  /** Moving-average window in points (1 = none). */
  readonly smooth?: number;
  /** Plot log10 of the values (non-positive values are dropped). */
  readonly logY?: boolean;
  readonly title?: string;
}

type Rgb = readonly [number, number, number];
const AXIS: Rgb = [150, 150, 150];
const GRID: Rgb = [232, 232, 232];
const RAW: Rgb = [170, 200, 235];
const LINE: Rgb = [20, 70, 160];
const TEXT: Rgb = [30, 30, 30];

const LEFT = 64;
const RIGHT = 12;
const TOP = 16;
const BOTTOM = 14;

/** A short label for a number: up to 4 significant digits, exponent form for very small or large. */
export const formatTick = (v: number): string => {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
};

/** The trailing moving average over `window` points (the first points average what exists). */
export const movingAverage = (ys: readonly number[], window: number): number[] => {
  const w = Math.max(1, Math.floor(window));
  const out: number[] = [];
  let sum = 0;
  ys.forEach((y, i) => {
    sum += y;
    if (i >= w) sum -= ys[i - w];
    out.push(sum / Math.min(i + 1, w));
  });
  return out;
};

export const plotPanels = (series: readonly Series[], opts: PlotOptions = {}): PngImage => {
  const width = opts.width ?? 800;
  const ph = opts.panelHeight ?? 180;
  const head = opts.title ? 14 : 0;
  const height = head + Math.max(1, series.length) * ph;
  const data = new Uint8Array(width * height * 3).fill(255);
  const put = (x: number, y: number, c: Rgb) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const k = (Math.round(y) * width + Math.round(x)) * 3;
    data[k] = c[0]; data[k + 1] = c[1]; data[k + 2] = c[2];
  };
  const text = (s: string, x: number, y: number, c: Rgb = TEXT) => {
    const r = rasterText(s);
    for (let j = 0; j < r.height; j++) for (let i = 0; i < r.width; i++) if (r.ink[j * r.width + i]) put(x + i, y + j, c);
    return r.width;
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: Rgb) => {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= n; i++) put(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, c);
  };
  if (opts.title) text(opts.title, LEFT, 3);
  series.forEach((s, p) => {
    const top = head + p * ph + TOP;
    const bottom = head + (p + 1) * ph - BOTTOM - 8;
    const [left, right] = [LEFT, width - RIGHT];
    const pts = s.points.filter((q) => Number.isFinite(q.y) && Number.isFinite(q.x) && (!opts.logY || q.y > 0));
    const ys = pts.map((q) => (opts.logY ? Math.log10(q.y) : q.y));
    const sm = movingAverage(ys, opts.smooth ?? 1);
    const last = sm.length ? sm[sm.length - 1] : NaN;
    text(`${s.name}${opts.logY ? ' (LOG10)' : ''}: ${formatTick(opts.logY ? 10 ** last : last)} AT ${pts.length ? formatTick(pts[pts.length - 1].x) : '-'}`, left, top - 12);
    for (const y of [top, bottom]) line(left, y, right, y, y === bottom ? AXIS : GRID);
    line(left, top, left, bottom, AXIS);
    if (pts.length === 0) return;
    const [x0, x1] = [pts[0].x, pts[pts.length - 1].x === pts[0].x ? pts[0].x + 1 : pts[pts.length - 1].x];
    // a loop, not Math.min(...sm): a long run's log has more points than a call may take arguments
    let [lo, hi] = sm.reduce(([a, b], v) => [Math.min(a, v), Math.max(b, v)], [Infinity, -Infinity]);
    if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
    const pad = 0.05 * (hi - lo);
    [lo, hi] = [lo - pad, hi + pad];
    const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
    const py = (y: number) => Math.min(bottom, Math.max(top, bottom - ((y - lo) / (hi - lo)) * (bottom - top)));
    const mid = (lo + hi) / 2;
    line(left, py(mid), right, py(mid), GRID);
    const label = (v: number) => formatTick(opts.logY ? 10 ** v : v);
    for (const v of [hi, mid, lo]) { const s2 = label(v); text(s2, left - 4 - rasterText(s2).width, py(v) - 3); }
    text(formatTick(x0), left, bottom + 4);
    const xl = formatTick(x1);
    text(xl, right - rasterText(xl).width, bottom + 4);
    for (let i = 1; i < pts.length; i++) line(px(pts[i - 1].x), py(ys[i - 1]), px(pts[i].x), py(ys[i]), RAW);
    for (let i = 1; i < pts.length; i++) line(px(pts[i - 1].x), py(sm[i - 1]), px(pts[i].x), py(sm[i]), LINE);
    if (pts.length === 1) put(px(pts[0].x), py(sm[0]), LINE);
  });
  return { width, height, channels: 3, data };
};

import { GraphError } from '../ir/errors.ts';

/** A token range [start, end). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * How the N ordered tokens are cut into spans, as data. Each span is produced by one AR pass
 * and is one block of the masks; the pass plan, masks, AR input layout, noise spans and prefix
 * schedule are all derived from this value alone (pass-plan.ts, masks.ts, ar-layout.ts,
 * noise-span.ts, prefix-schedule.ts).
 *
 * - `spans`: non-empty, in order, covering 0..N-1 exactly once.
 * - `sees[k]`: the first span that span k may see. Span k sees spans sees[k]..k, its own span
 *   whole (bidirectional inside it) and no later span. DetailFlow's rule, and that of every
 *   constructor here, is 0: a token sees every earlier span and its own.
 * - `causal`: the strictly causal window [0, C), a span boundary made of single-token spans.
 *   The spans alone cannot tell it (g = 1 gives the same spans for every C), and the
 *   self-correction noise depends on it: inside it the newest token may be corrupted, past it
 *   the last span of a prefix is always left clean.
 */
export interface Partition {
  readonly tokens: number;
  readonly spans: readonly Span[];
  readonly sees: readonly number[];
  readonly causal: number;
  /**
   * How the AR positions of span k hold span k-1's tokens (ar-layout.ts). Absent: in order, then
   * learned placeholders (DetailFlow's shifted layout). 'scales' (next-scale models): every span
   * is an s x s grid of one scale, and each position holds the cell of the previous scale
   * nearest to its own (nearest upsampling, no placeholders), so a position holds and predicts
   * tokens at one place of the image.
   */
  readonly inputs?: 'scales';
}

const fail = (op: string, detail: string): never => { throw new GraphError('config', op, detail); };
const isInt = (x: unknown): x is number => Number.isInteger(x);
/** A span as messages write it: [start, end). */
export const showSpan = (s: Span): string => `[${s.start}, ${s.end})`;
const show = showSpan;

/**
 * What the strictly causal window [0, C) asks of the spans: it ends on a span boundary, and
 * every span inside it is one token. Each problem names its span (the partition constructor
 * throws the first; configuration checks list them all).
 */
export const causalWindowProblems = (spans: readonly Span[], causal: number): string[] => spans.flatMap((s, k) => {
  if (s.start < causal && s.end > causal) return [`the causal window [0, ${causal}) does not align with span boundaries: it ends inside span ${k} ${show(s)}`];
  if (s.end <= causal && s.end - s.start !== 1) return [`span ${k} ${show(s)} lies in the causal window [0, ${causal}), where every span is one token`];
  return [];
});

/**
 * The general constructor: checks that the spans cover 0..N-1 exactly once, in order, and
 * names the offending span otherwise; `sees` defaults to every earlier span, `causal` to 0.
 */
export const partition = (spans: readonly Span[], o: { causal?: number; sees?: readonly number[]; inputs?: 'scales' } = {}, op = 'partition'): Partition => {
  if (spans.length === 0) fail(op, 'a partition needs at least one span');
  spans.forEach((s, k) => {
    if (!isInt(s.start) || !isInt(s.end)) fail(op, `span ${k} ${show(s)}: bounds must be integers`);
    if (s.end <= s.start) fail(op, `span ${k} ${show(s)} is empty`);
    const prev = k === 0 ? 0 : spans[k - 1].end;
    if (s.start < prev) fail(op, `span ${k} ${show(s)} overlaps ${k === 0 ? 'the start' : `span ${k - 1} ${show(spans[k - 1])}`}`);
    if (s.start > prev) fail(op, `span ${k} ${show(s)} leaves tokens [${prev}, ${s.start}) uncovered`);
  });
  const tokens = spans[spans.length - 1].end;
  const sees = o.sees ?? spans.map(() => 0);
  if (sees.length !== spans.length) fail(op, `sees has ${sees.length} entries for ${spans.length} spans`);
  sees.forEach((f, k) => {
    if (!isInt(f) || f < 0 || f > k) fail(op, `sees[${k}] = ${f}: span ${k} may see spans f..${k} with f an integer in [0, ${k}]`);
  });
  const causal = o.causal ?? 0;
  if (!isInt(causal) || causal < 0 || causal > tokens) fail(op, `causal window ${causal}: expected an integer in [0, ${tokens}]`);
  const window = causalWindowProblems(spans, causal);
  if (window.length > 0) fail(op, window[0]);
  if (o.inputs !== undefined) {
    if (o.inputs !== 'scales') fail(op, `inputs '${String(o.inputs)}': expected 'scales' or none (the shifted layout)`);
    const bad = spans.findIndex((s) => !isSquare(s.end - s.start));
    if (bad >= 0) fail(op, `span ${bad} ${show(spans[bad])} has ${spans[bad].end - spans[bad].start} tokens, not a square s^2: inputs 'scales' needs one s x s scale per span`);
  }
  return Object.freeze({
    tokens,
    spans: Object.freeze(spans.map((s) => Object.freeze({ start: s.start, end: s.end }))),
    sees: Object.freeze([...sees]),
    causal,
    ...(o.inputs ? { inputs: o.inputs } : {}),
  });
};

/** Whether n is a perfect square s^2 (s >= 1). */
export const isSquare = (n: number): boolean => isInt(n) && n >= 1 && Math.round(Math.sqrt(n)) ** 2 === n;

/** The side s of a square span of s^2 tokens (one scale of a next-scale partition). */
export const scaleSide = (s: Span): number => Math.round(Math.sqrt(s.end - s.start));

/** Consecutive spans of the given sizes from token 0. */
export const spansFromSizes = (sizes: readonly number[]): Span[] => {
  let start = 0;
  return sizes.map((n) => ({ start, end: (start += n) }));
};

const positiveInt = (op: string, name: string, v: number): void => {
  if (!isInt(v) || v < 1) fail(op, `${name}: expected a positive integer, got ${v}`);
};

// Partitions are frozen values, so the (g, C) wrappers, called per position by the laws and the
// sampler, may share them: a small cache keeps those calls O(1) instead of O(N).
const detailflowCache = new Map<number, Partition>();
const small = (x: number): boolean => isInt(x) && x >= 1 && x <= 65536;

/**
 * DetailFlow's layout (create_group_causal_mask, generate_group_par): the first C tokens one
 * by one, then groups of g; 1 + (C - 1) + (N/g - C/g) spans, 23 for (128, 8, 8).
 */
export const detailflowPartition = (tokens: number, group: number, causal: number = group): Partition => {
  // One exact number per triple (each in 1..65536, as the config codecs allow); others are not cached.
  const key = small(tokens) && small(group) && small(causal) ? (tokens * 65537 + group) * 65537 + causal : -1;
  const hit = detailflowCache.get(key);
  if (hit) return hit;
  const op = 'detailflowPartition';
  positiveInt(op, 'tokens (N)', tokens);
  positiveInt(op, 'group (g)', group);
  positiveInt(op, 'causal (C)', causal);
  if (tokens % group !== 0) fail(op, `tokens (N = ${tokens}) must be a multiple of group (g = ${group})`);
  if (causal % group !== 0) fail(op, `causal (C = ${causal}) must be a multiple of group (g = ${group})`);
  if (causal > tokens) fail(op, `causal (C = ${causal}) must not exceed tokens (N = ${tokens})`);
  const sizes = [...Array.from({ length: causal }, () => 1), ...Array.from({ length: (tokens - causal) / group }, () => group)];
  const p = partition(spansFromSizes(sizes), { causal }, op);
  if (detailflowCache.size >= 256) detailflowCache.clear();
  if (key >= 0) detailflowCache.set(key, p);
  return p;
};

/** Sequential next-detail decoding: N spans of one token (DetailFlow with g = C = 1). */
export const groupOnePartition = (tokens: number): Partition => detailflowPartition(tokens, 1, 1);

/**
 * Raster order: one token per patch, next-token decoding. The spans are those of g = 1 (as the
 * `raster` row of variants.ts, g = C = 1): what differs is what a token means, not the order
 * in which tokens are predicted.
 */
export const rasterPartition = (tokens: number): Partition => detailflowPartition(tokens, 1, 1);

/**
 * Next-scale prediction (VAR): one span of s*s tokens per scale s, coarse to fine, each scale
 * predicted in one pass. A first scale of 1 x 1 is the strictly causal window [0, 1) (as a
 * configuration's default: its leading single-token spans); a coarser first scale has none.
 * With `inputs: 'scales'` the AR positions of a scale hold the previous scale upsampled
 * (nearest) instead of the previous span in order (see Partition.inputs).
 */
export const nextScalePartition = (scales: readonly number[], o: { inputs?: 'scales' } = {}): Partition => {
  const op = 'nextScalePartition';
  if (scales.length === 0) fail(op, 'scales: expected at least one scale');
  scales.forEach((s, i) => {
    positiveInt(op, `scales[${i}]`, s);
    if (i > 0 && s <= scales[i - 1]) fail(op, `scales must increase (coarse to fine), got ${scales[i - 1]} then ${s} at scales[${i}]`);
  });
  return partition(spansFromSizes(scales.map((s) => s * s)), { causal: scales[0] === 1 ? 1 : 0, ...(o.inputs ? { inputs: o.inputs } : {}) }, op);
};

/** DetailFlow's (g, C) as the formulas took them: no token count, the layout repeats forever. */
export interface GroupLayout {
  readonly group: number;
  readonly causal: number;
}

export const isPartition = (o: Partition | GroupLayout): o is Partition => 'spans' in o;

/**
 * A partition covering at least `length` tokens: the partition itself, or for (g, C) the
 * DetailFlow partition over the smallest multiple of g that is >= length and >= C. The (g, C)
 * functions take no N; the layout of their first `length` positions does not depend on it.
 */
export const coveringPartition = (o: Partition | GroupLayout, length: number): Partition => {
  if (isPartition(o)) {
    if (length > o.tokens) fail('partition', `length ${length} exceeds the partition's ${o.tokens} tokens`);
    return o;
  }
  positiveInt('partition', 'group (g)', o.group);
  const n = o.group * Math.max(1, Math.ceil(Math.max(length, o.causal) / o.group));
  return detailflowPartition(n, o.group, o.causal);
};

/** The index of the span holding token i (binary search; spans are sorted). */
export const spanIndexOf = (p: Partition, i: number): number => {
  if (!isInt(i) || i < 0 || i >= p.tokens) fail('partition', `token ${i}: expected an integer in [0, ${p.tokens - 1}]`);
  let lo = 0;
  let hi = p.spans.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (p.spans[mid].start <= i) lo = mid; else hi = mid - 1;
  }
  return lo;
};

const tables = new WeakMap<Partition, readonly number[]>();

/** spanIndexOf for every token at once (computed once per partition): the table the O(N^2) masks read. */
export const spanIndexTable = (p: Partition): readonly number[] => {
  const hit = tables.get(p);
  if (hit) return hit;
  const out = new Array<number>(p.tokens);
  p.spans.forEach((s, k) => out.fill(k, s.start, s.end));
  tables.set(p, Object.freeze(out));
  return out;
};

/** The index of the span that ends at t, or -1 when t is not a span end. */
export const spanEndingAt = (p: Partition, t: number): number =>
  isInt(t) && t >= 1 && t <= p.tokens && p.spans[spanIndexOf(p, t - 1)].end === t ? spanIndexOf(p, t - 1) : -1;

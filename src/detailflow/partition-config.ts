import * as t from 'io-ts';
import { GraphError } from '../ir/errors.ts';
import { placeholderCount } from './ar-layout.ts';
import { causalWindowProblems, detailflowPartition, isSquare, partition, showSpan as show, spansFromSizes, type Partition } from './partition.ts';
import type { PrefixOptions } from './prefix-schedule.ts';

/**
 * The token partition as configuration data. A tokenizer or AR configuration carries `tokens`,
 * `group`, `causal` and, optionally, `spans`: the span sizes in order. Absent (every checkpoint
 * written before the field existed), the partition is DetailFlow's: the first C tokens one by
 * one, then groups of g. Present, the spans are the partition, `causal` is its strictly causal
 * window (default: the leading single-token spans) and `group` no longer shapes the layout (it
 * stays the default RoPE grid width of the AR model). `partitionOf` is the one place a
 * configuration becomes a Partition; everything derived (pass plan, masks, AR layout,
 * placeholders, noise spans, prefix schedule) is read off its result.
 */
export interface PartitionFields {
  readonly tokens: number;
  readonly group: number;
  readonly causal: number;
  readonly spans?: readonly number[];
  /** The AR model's input layout (Partition.inputs): absent, shifted; 'scales', each scale holds the previous one upsampled. */
  readonly inputs?: 'shifted' | 'scales';
}

const sizesOk = (u: unknown): u is readonly number[] =>
  Array.isArray(u) && u.length >= 1 && u.length <= 65536 && u.every((s) => Number.isInteger(s) && s >= 0 && s <= 65536);

/**
 * The `spans` field: a list of span sizes (integers; an empty span, 0, decodes here and is
 * refused by the partition checks with its index, so the message can name it). Absent = none.
 */
export const spansCodec = new t.Type<readonly number[], readonly number[], unknown>(
  'a list of 1 to 65536 span sizes (integers >= 1, in order, summing to tokens)',
  sizesOk,
  (u, c) => (sizesOk(u) ? t.success(Object.freeze([...u])) : t.failure(u, c)),
  t.identity,
);

/** The leading single-token spans of a size list. */
export const leadingOnes = (sizes: readonly number[]): number => {
  const k = sizes.findIndex((s) => s !== 1);
  return k < 0 ? sizes.length : k;
};

/**
 * The strictly causal window an explicit partition gets by default: its leading single-token
 * spans, at least 1 (the `causal` field's lower bound; a first span of several tokens is then
 * refused by name, as the window [0, 1) ends inside it).
 */
export const defaultCausal = (sizes: readonly number[]): number => Math.max(1, leadingOnes(sizes));

/** The span sizes of a partition, in order. */
export const sizesOf = (p: Partition): number[] => p.spans.map((s) => s.end - s.start);

/**
 * Every problem of an explicit partition, each naming the offending span: an empty span; spans
 * that do not sum to `tokens` (too few, or a span running past N); a causal window that ends
 * inside a span or holds a span of several tokens; a span shorter than the one before it (the
 * AR layout's positions of a span hold the previous span's tokens, so they could not); and,
 * when the degraded prefix branch is on, a last span covering every token (no prefix is left to
 * draw).
 */
export const spanProblems = (c: PartitionFields & { readonly degradeProb?: number }): string[] => {
  const sizes = c.spans;
  if (sizes === undefined) return c.inputs === 'scales' ? [`inputs 'scales' needs spans, one s x s scale each (e.g. [1, 4, 9, 16])`] : [];
  const spans = spansFromSizes(sizes);
  const out: string[] = [];
  spans.forEach((s, k) => {
    if (s.end === s.start) out.push(`span ${k} ${show(s)} is empty (size 0)`);
    else if (s.start < c.tokens && s.end > c.tokens) out.push(`span ${k} ${show(s)} runs past tokens (N = ${c.tokens}): the spans must sum to N`);
    else if (s.start >= c.tokens) out.push(`span ${k} ${show(s)} lies past tokens (N = ${c.tokens}): the spans must sum to N`);
  });
  const total = spans[spans.length - 1].end;
  if (total < c.tokens) out.push(`the spans sum to ${total}, not tokens (N = ${c.tokens}): tokens [${total}, ${c.tokens}) are in no span`);
  if (out.length > 0) return out;
  out.push(...causalWindowProblems(spans, c.causal));
  spans.forEach((s, k) => {
    const prev = spans[k - 1];
    if (k > 0 && s.end - s.start < prev.end - prev.start) {
      out.push(`span ${k} ${show(s)} is shorter than span ${k - 1} ${show(prev)}: its AR positions could not hold the previous span's tokens (sizes must not decrease)`);
    }
  });
  if (c.inputs === 'scales') {
    spans.forEach((s, k) => {
      if (!isSquare(s.end - s.start)) out.push(`span ${k} ${show(s)} has ${s.end - s.start} tokens, not a square s^2: inputs 'scales' needs one s x s scale per span`);
    });
  }
  if ((c.degradeProb ?? 0) > 0 && spans.length < 2) {
    out.push(`span 0 ${show(spans[0])} covers every token: with degradeProb > 0 a degraded step needs a prefix, so at least two spans`);
  }
  return out;
};

const explicitCache = new Map<string, Partition>();

/**
 * The configuration's partition: DetailFlow's (N, g, C) when `spans` is absent (exactly the
 * partition the (g, C) functions always used), else the spans with `causal` as the window.
 * Throws a config GraphError naming the span for an invalid explicit partition (the codecs
 * refuse those first).
 */
export const partitionOf = (c: PartitionFields): Partition => {
  const scales = c.inputs === 'scales';
  if (c.spans === undefined && !scales) return detailflowPartition(c.tokens, c.group, c.causal);
  const key = `${c.tokens}|${c.causal}|${c.spans?.join(',')}|${scales}`;
  const hit = explicitCache.get(key);
  if (hit) return hit;
  const problems = spanProblems(c);
  if (problems.length > 0 || c.spans === undefined) throw new GraphError('config', 'partitionOf', problems.join('; '));
  const p = partition(spansFromSizes(c.spans), { causal: c.causal, ...(scales ? { inputs: 'scales' as const } : {}) }, 'partitionOf');
  if (explicitCache.size >= 256) explicitCache.clear();
  explicitCache.set(key, p);
  return p;
};

/**
 * The prefix schedule's options: DetailFlow's holdout is g (which its spans do not tell when
 * C = N); an explicit partition holds out its last span.
 */
export const prefixOptionsOf = (c: PartitionFields & { readonly degradeProb: number }): PrefixOptions =>
  c.spans === undefined ? { degradeProb: c.degradeProb, holdout: c.group } : { degradeProb: c.degradeProb };

/**
 * The rows of the AR model's placeholder table: g - 1 for DetailFlow's implicit partition (as
 * checkpoints always had, the spe table, even when C = N leaves it unused), else as many as the
 * sequence layout uses (g - 1 for DetailFlow with C < N).
 */
export const placeholderRowsOf = (c: PartitionFields): number =>
  c.spans === undefined ? c.group - 1 : placeholderCount(partitionOf(c));

/** The RoPE grid width: `ropeWidth` when given, else g (DetailFlow's (N/g) x g grid). */
export const ropeWidthOf = (c: PartitionFields & { readonly ropeWidth?: number }): number => c.ropeWidth ?? c.group;

/**
 * The configuration fields that name a partition value: DetailFlow's (g, C) when the partition
 * is DetailFlow's (so such a row's configuration, and its checkpoints, are exactly the implicit
 * ones), else `spans` and `causal` (group left as it is).
 */
export const partitionFields = (p: Partition): { group: number; causal: number } | { spans: readonly number[]; causal: number } => {
  const sizes = sizesOf(p);
  const g = sizes[sizes.length - 1];
  const C = p.causal;
  const sameAs = (q: Partition): boolean => q.spans.length === p.spans.length && q.spans.every((s, k) => s.end === p.spans[k].end);
  if (C >= 1 && C % g === 0 && p.tokens % g === 0 && p.sees.every((f) => f === 0) && sameAs(detailflowPartition(p.tokens, g, C))) {
    return { group: g, causal: C };
  }
  return { spans: Object.freeze(sizes), causal: C };
};

/**
 * A partition from a size schedule: spans of sizes[0], sizes[1], ..., then the last size again
 * until N tokens are covered, the causal window being the leading single-token spans. Refused,
 * naming the span, when the schedule does not land exactly on N. groupsPartition(32, [1, 1, 2,
 * 4, 8]) is [1, 1, 2, 4, 8, 8, 8]; groupsPartition(8, [1, 1, 2, 4, 8]) is [1, 1, 2, 4].
 */
export const groupsPartition = (tokens: number, sizes: readonly number[]): Partition => {
  const op = 'groupsPartition';
  if (!Number.isInteger(tokens) || tokens < 1) throw new GraphError('config', op, `tokens: expected a positive integer, got ${tokens}`);
  if (sizes.length === 0 || !sizes.every((s) => Number.isInteger(s) && s >= 1)) throw new GraphError('config', op, `sizes: expected positive integers, got [${sizes.join(', ')}]`);
  const out: number[] = [];
  let total = 0;
  for (let k = 0; total < tokens; k++) {
    const s = sizes[Math.min(k, sizes.length - 1)];
    if (total + s > tokens) throw new GraphError('config', op, `span ${out.length} [${total}, ${total + s}) runs past tokens (N = ${tokens}): the schedule [${sizes.join(', ')}] does not land on N`);
    out.push(s);
    total += s;
  }
  return partition(spansFromSizes(out), { causal: leadingOnes(out) }, op);
};

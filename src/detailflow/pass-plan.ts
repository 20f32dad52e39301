import { GraphError } from '../ir/errors.ts';
import type { PlanConfig } from './config.ts';
import { detailflowPartition, spanIndexOf, type Partition, type Span } from './partition.ts';

/**
 * The grouped sampler's forward passes (generate_group_par, no KV cache): one pass per span of
 * the partition, in order, each producing that span's tokens [start, end). For DetailFlow pass 1
 * samples token 0 from the class token alone, passes 2..C one token each, then one pass per
 * later group its g tokens in parallel.
 */
export const passPlanOf = (p: Partition): readonly Span[] => p.spans;

/** One pass per span: 1 + (C - 1) + (N/g - C/g) for DetailFlow, 23 for (N, g, C) = (128, 8, 8). */
export const passCountOf = (p: Partition): number => p.spans.length;

/**
 * The input length of the pass producing `span`: the class token plus every position up to the
 * span's last (position q predicts token q), i.e. span.end. For DetailFlow that is start + 1 for
 * strict steps and start + g for group steps (the g-1 placeholders included; 8i + 8 for group i
 * at g = 8). `span` must be one of the partition's spans.
 */
export const passInputLengthOf = (p: Partition, span: Span): number => {
  const s = p.spans[spanIndexOf(p, span.start)];
  if (s.start !== span.start || s.end !== span.end) {
    throw new GraphError('input', 'passInputLength', `[${span.start}, ${span.end}) is not a pass of the plan (the span there is [${s.start}, ${s.end}))`);
  }
  return s.end;
};

const ofConfig = (c: PlanConfig): Partition => detailflowPartition(c.tokens, c.group, c.causal);

/** The pass plan of DetailFlow's (N, g, C). */
export const passPlan = (c: PlanConfig): readonly Span[] => passPlanOf(ofConfig(c));

export const passCount = (c: PlanConfig): number => passCountOf(ofConfig(c));

export const passInputLength = (span: Span, c: PlanConfig): number => passInputLengthOf(ofConfig(c), span);

import type { PlanConfig } from './config.ts';
import type { Span } from './noise-span.ts';

/**
 * The grouped sampler's forward passes (generate_group_par, no KV cache): pass 1 samples
 * token 0 from the class token alone; passes 2..C sample one token each; then one pass per
 * later group samples its g tokens in parallel. Each entry is the token range [start, end)
 * that pass produces.
 */
export const passPlan = (c: PlanConfig): readonly Span[] => {
  const out: Span[] = [];
  for (let i = 0; i < c.causal; i++) out.push({ start: i, end: i + 1 });
  for (let s = c.causal; s < c.tokens; s += c.group) out.push({ start: s, end: s + c.group });
  return Object.freeze(out.map((s) => Object.freeze(s)));
};

/** 1 + (C - 1) + (N/g - C/g): 23 for (N, g, C) = (128, 8, 8). */
export const passCount = (c: PlanConfig): number => 1 + (c.causal - 1) + (c.tokens / c.group - c.causal / c.group);

/**
 * The input length of the pass producing `span`: the class token plus the tokens so far, and
 * for parallel groups the g-1 placeholders as well, i.e. start + 1 for strict steps and
 * start + g for group steps (8i + 8 for group i at g = 8).
 */
export const passInputLength = (span: Span, c: PlanConfig): number =>
  span.start < c.causal ? span.start + 1 : span.start + c.group;

import { GraphError } from '../ir/errors.ts';
import { coveringPartition, scaleSide, spanIndexOf, type GroupLayout, type Partition } from './partition.ts';

/**
 * The AR model's training sequence layout (gpt.py Transformer.forward), derived from the
 * partition. Position q always predicts token q, so the positions of a span are that span's
 * pass, and they may hold only tokens of earlier spans: each span's positions hold the previous
 * span's tokens in order (position 0, before span 0, holds the class), and the positions left
 * over hold learned placeholders 0, 1, ... For DetailFlow: position 0 is the class token,
 * positions 1..C hold tokens 0..C-1, positions C+1..C+g-1 hold the g-1 `spe` placeholders, and
 * every position q >= C+g holds token q-g (the previous group, shifted). A partition with
 * inputs 'scales' holds the previous scale upsampled instead: every position of an s x s scale
 * holds the previous scale's cell nearest to it (all of that scale's tokens, some repeated).
 */
export type Held =
  | { readonly kind: 'class' }
  | { readonly kind: 'token'; readonly token: number }
  | { readonly kind: 'placeholder'; readonly index: number };

/** (g, C) as the layout formulas took them. */
export type LayoutOpts = GroupLayout;

const CLASS: Held = Object.freeze({ kind: 'class' });

// The first span shorter than the one before it (spans.length when none), once per partition.
const firstShrink = new WeakMap<Partition, number>();

// A span shorter than the previous one could hold only part of it, and the rest would never be
// an input: refused rather than dropped.
const checkSizes = (p: Partition, upTo: number): void => {
  let k = firstShrink.get(p);
  if (k === undefined) {
    k = p.spans.findIndex((b, i) => i > 0 && b.end - b.start < p.spans[i - 1].end - p.spans[i - 1].start);
    if (k < 0) k = p.spans.length;
    firstShrink.set(p, k);
  }
  if (k <= upTo) {
    const [a, b] = [p.spans[k - 1], p.spans[k]];
    throw new GraphError('config', 'arLayout', `span ${k} [${b.start}, ${b.end}) is shorter than span ${k - 1} [${a.start}, ${a.end}): its positions could not hold the previous span's tokens`);
  }
};

// Position q of span k (sizes already checked).
const held = (p: Partition, k: number, q: number): Held => {
  const i = q - p.spans[k].start;
  if (k === 0) return i === 0 ? CLASS : { kind: 'placeholder', index: i - 1 };
  const prev = p.spans[k - 1];
  const m = prev.end - prev.start;
  if (p.inputs === 'scales') {
    // cell (y, x) of this s x s scale holds the previous scale's cell under its centre
    const s = scaleSide(p.spans[k]);
    const sp = scaleSide(prev);
    const near = (c: number) => Math.min(sp - 1, Math.floor(((c + 0.5) * sp) / s));
    return { kind: 'token', token: prev.start + near(Math.floor(i / s)) * sp + near(i % s) };
  }
  return i < m ? { kind: 'token', token: prev.start + i } : { kind: 'placeholder', index: i - m };
};

/** What sequence position q holds. */
export const heldAt = (p: Partition, q: number): Held => {
  const k = spanIndexOf(p, q);
  checkSizes(p, k);
  return held(p, k, q);
};

/** The whole layout, position by position. */
export const sequenceLayout = (p: Partition): readonly Held[] => {
  checkSizes(p, p.spans.length - 1);
  return p.spans.flatMap((s, k) => Array.from({ length: s.end - s.start }, (_, i) => held(p, k, s.start + i)));
};

/** How many learned placeholders the layout uses: g - 1 for DetailFlow (0 when g = 1). */
export const placeholderCount = (p: Partition): number =>
  sequenceLayout(p).reduce((n, h) => (h.kind === 'placeholder' ? Math.max(n, h.index + 1) : n), 0);

/** The token index held at sequence position q, or -1 for the class token and placeholders. */
export const tokenHeldAt = (p: Partition, q: number): number => {
  const h = heldAt(p, q);
  return h.kind === 'token' ? h.token : -1;
};

/** tokenHeldAt for DetailFlow's (g, C). */
export const tokenAtPosition = (q: number, o: LayoutOpts): number => tokenHeldAt(coveringPartition(o, q + 1), q);

/** The token predicted by the logit at position q. */
export const predictedAt = (q: number): number => q;

import { sequenceLayout, type LayoutOpts } from '../ar-layout.ts';
import { coveringPartition, spanEndingAt, type Partition } from '../partition.ts';

/**
 * What a run of consecutive sequence positions holds (section 6.2): the class embedding at
 * position 0, real tokens (consecutive ones: for DetailFlow position p holds token p-1 up to C,
 * then p-g), or learned placeholders (C+1 .. C+g-1 for DetailFlow). Every forward range is
 * embedded as a concatenation of runs. All of it is read off the partition's sequence layout;
 * DetailFlow's (g, C) is accepted as the partition it names.
 */
export type Run =
  | { readonly kind: 'class'; readonly from: number; readonly to: number }
  | { readonly kind: 'tokens'; readonly from: number; readonly to: number; readonly first: number }
  | { readonly kind: 'placeholders'; readonly from: number; readonly to: number; readonly first: number };

type Layout = Partition | LayoutOpts;

/** The runs covering positions [from, to). */
export const positionRuns = (from: number, to: number, o: Layout): Run[] => {
  const held = sequenceLayout(coveringPartition(o, to));
  const runs: Run[] = [];
  for (let p = from; p < to; p++) {
    const h = held[p];
    const kind = h.kind === 'class' ? 'class' : h.kind === 'token' ? 'tokens' : 'placeholders';
    const first = h.kind === 'token' ? h.token : h.kind === 'placeholder' ? h.index : 0;
    const last = runs[runs.length - 1];
    // A run is one table slice: same kind, and consecutive indices.
    if (last && last.kind === kind && last.to === p && (kind === 'class' || (last as { first: number }).first + (p - last.from) === first)) {
      runs[runs.length - 1] = { ...last, to: p + 1 };
      continue;
    }
    runs.push(kind === 'class' ? { kind, from: p, to: p + 1 } : { kind, from: p, to: p + 1, first });
  }
  return runs;
};

/**
 * The token indices [start, end) held by positions [from, to). They are contiguous: the
 * placeholder gap in positions is no gap in tokens (position C holds C-1, position C+g holds C).
 */
export const tokenSpan = (from: number, to: number, o: Layout): { start: number; end: number } => {
  const held = positionRuns(from, to, o).filter((r) => r.kind === 'tokens') as Extract<Run, { kind: 'tokens' }>[];
  if (held.length === 0) return { start: 0, end: 0 };
  const last = held[held.length - 1];
  return { start: held[0].first, end: last.first + (last.to - last.from) };
};

/**
 * Whether a forward range may end at `to`: at a span boundary (for DetailFlow: inside the strict
 * prefix, to <= C, or at a multiple of g). Cutting a span would give its positions less context
 * than the full pass gives them, so their keys and values would not be the ones the full pass
 * computes.
 */
export const isRangeBoundary = (to: number, o: Layout): boolean =>
  to === 0 || spanEndingAt(coveringPartition(o, Math.max(to, 1)), to) >= 0;

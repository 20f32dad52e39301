import { tokenAtPosition, type LayoutOpts } from '../ar-layout.ts';

/**
 * What a run of consecutive sequence positions holds (section 6.2): the class embedding at
 * position 0, real tokens (position p holds token p-1 up to C, then p-g), or the g-1 learned
 * placeholders at C+1 .. C+g-1. Every forward range is embedded as a concatenation of runs.
 */
export type Run =
  | { readonly kind: 'class'; readonly from: number; readonly to: number }
  | { readonly kind: 'tokens'; readonly from: number; readonly to: number; readonly first: number }
  | { readonly kind: 'placeholders'; readonly from: number; readonly to: number; readonly first: number };

const kindAt = (p: number, o: LayoutOpts): Run['kind'] => (p === 0 ? 'class' : tokenAtPosition(p, o) >= 0 ? 'tokens' : 'placeholders');

/** The runs covering positions [from, to). */
export const positionRuns = (from: number, to: number, o: LayoutOpts): Run[] => {
  const runs: Run[] = [];
  for (let p = from; p < to; p++) {
    const kind = kindAt(p, o);
    const last = runs[runs.length - 1];
    if (last && last.kind === kind && last.to === p) { runs[runs.length - 1] = { ...last, to: p + 1 }; continue; }
    const first = kind === 'tokens' ? tokenAtPosition(p, o) : p - o.causal - 1;
    runs.push(kind === 'class' ? { kind, from: p, to: p + 1 } : { kind, from: p, to: p + 1, first });
  }
  return runs;
};

/**
 * The token indices [start, end) held by positions [from, to). They are contiguous: the
 * placeholder gap in positions is no gap in tokens (position C holds C-1, position C+g holds C).
 */
export const tokenSpan = (from: number, to: number, o: LayoutOpts): { start: number; end: number } => {
  const held = positionRuns(from, to, o).filter((r) => r.kind === 'tokens') as Extract<Run, { kind: 'tokens' }>[];
  if (held.length === 0) return { start: 0, end: 0 };
  const last = held[held.length - 1];
  return { start: held[0].first, end: last.first + (last.to - last.from) };
};

/**
 * Whether a forward range may end at `to`: inside the strict prefix (to <= C) or at a group
 * boundary. Cutting a parallel block would give its positions less context than the full pass
 * gives them, so their keys and values would not be the ones the full pass computes.
 */
export const isRangeBoundary = (to: number, o: LayoutOpts): boolean => to <= o.causal || to % o.group === 0;

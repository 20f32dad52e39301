import type { Partition } from './partition.ts';
import type { ResolutionMap } from './resolution.ts';

/**
 * Snaps a content side to the decoder's patch grid: max(P, P*ceil(R/P)) (detail_token.py,
 * custom_smart_resize + min_dec_res). The decoder outputs, and the loss is computed, at this side.
 */
export const snapToPatch = (r: number, patch: number): number => Math.max(patch, patch * Math.ceil(r / patch));

/** dec(n) for n = 1..N (index n - 1). */
export const decoderSizes = (map: ResolutionMap, patch: number): readonly number[] =>
  Object.freeze(map.values.map((r) => snapToPatch(r, patch)));

/** The token list the reference's init_mapping evaluates: {1..C} ∪ {2g, 3g, ..., N}. */
export const mappedTokens = (tokens: number, group: number, causal: number): number[] => {
  const out: number[] = [];
  for (let n = 1; n <= Math.min(causal, tokens); n++) out.push(n);
  for (let n = 2 * group; n <= tokens; n += group) if (n > causal) out.push(n);
  return out;
};

/**
 * The token list for any partition: its span ends, the prefixes it is trained and shown at.
 * For DetailFlow's partition this is mappedTokens(N, g, C): 1..C, then C+g, C+2g, ..., N.
 */
export const mappedTokensOf = (p: Partition): number[] => p.spans.map((s) => s.end);

/**
 * decres2besttoken: for each decoder side, the token count among `tokenList` whose raw R(n) is
 * closest to that side, ties going to the later token (the reference compares with <=).
 */
export const bestTokenPerDecoderSize = (map: ResolutionMap, patch: number, tokenList: readonly number[]): ReadonlyMap<number, number> => {
  const best = new Map<number, { n: number; d: number }>();
  for (const n of tokenList) {
    const r = map.values[n - 1];
    const side = snapToPatch(r, patch);
    const d = Math.abs(r - side);
    const cur = best.get(side);
    if (cur === undefined || d <= cur.d) best.set(side, { n, d });
  }
  return new Map([...best].sort(([a], [b]) => a - b).map(([side, { n }]) => [side, n]));
};

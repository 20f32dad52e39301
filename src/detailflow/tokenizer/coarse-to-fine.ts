/** A step between consecutive pass-plan prefixes where PSNR against the original did not rise. */
export interface PrefixDip { readonly from: number; readonly to: number; readonly change: number }

/**
 * The tokenizer's coarse-to-fine check: decoding more tokens must reconstruct the original
 * strictly better. Returns every consecutive pair of prefixes where it does not (empty: it holds).
 */
export const prefixDips = (prefixes: readonly { readonly t: number; readonly psnrOriginal: number }[]): PrefixDip[] =>
  prefixes.slice(1).flatMap((p, i) => {
    const change = p.psnrOriginal - prefixes[i].psnrOriginal;
    return change > 0 ? [] : [{ from: prefixes[i].t, to: p.t, change }];
  });

/** One line for people: the verdict, and each dip with its size. */
export const describeDips = (prefixCount: number, dips: readonly PrefixDip[]): string =>
  dips.length === 0
    ? `coarse to fine: PSNR vs original rises strictly over all ${prefixCount} prefixes`
    : `coarse to fine: NOT strictly increasing: ${dips.map((d) => `t ${d.from} -> ${d.to} (${d.change.toFixed(2)} dB)`).join(', ')}`;

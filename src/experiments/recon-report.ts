import { compile } from '../compile/compile.ts';
import { hostArray, type HostArray } from '../ir/host-array.ts';
import type { BackendName } from '../compile/backend.ts';
import type { Node } from '../ir/node.ts';
import { mean } from '../ops/index.ts';
import { psnrExpr } from '../eval/psnr.ts';
import type { Params } from '../nn/module.ts';
import { foldIn, keyFromSeed } from '../random/key.ts';
import type { Tokenizer, TokenizerParams } from '../detailflow/tokenizer/model.ts';
import { prefixBoundaries, reconstructor } from '../detailflow/tokenizer/reconstruct.ts';
import { selfCorrect } from '../detailflow/tokenizer/self-correction.ts';
import { spanMasks } from '../detailflow/tokenizer/trainer.ts';
import { prefixDips, type PrefixDip } from '../detailflow/tokenizer/coarse-to-fine.ts';
import { partitionOf } from '../detailflow/partition-config.ts';
import { spanIndexOf } from '../detailflow/partition.ts';

export interface ReconReport {
  readonly images: number;
  readonly prefixes: { t: number; side: number; psnrTarget: number; psnrOriginal: number }[];
  readonly codebook: { size: number; used: number; fractionUsed: number; perplexity: number };
  /** PSNR at t = N with a token/group corrupted at each position: re-encoded (self-correction) vs not. */
  readonly noisy: { start: number; end: number; corrected: number; uncorrected: number }[];
  /** Consecutive prefixes where PSNR against the original did not rise (empty: coarse to fine holds). */
  readonly dips: PrefixDip[];
}

/**
 * The corrupted spans the reference's noisy evaluation uses: the partition's spans holding the
 * first token of groups 0, G/4, G/2, 3G/4, G-1 (G = N/g) for DetailFlow's partition; for an
 * explicit one, those holding tokens 0, N/4, N/2, 3N/4 and the last span. None for a 2D
 * tokenizer (readout 'patches'): it has no latent queries to re-encode a corrupted prefix with.
 */
export const noisySpans = (tk: Tokenizer): { start: number; end: number }[] => {
  const c = tk.config;
  if (c.readout !== 'latents') return [];
  const p = partitionOf(c);
  const N = c.tokens;
  const tokens = c.spans === undefined
    ? [0, Math.floor(N / c.group / 4), Math.floor(N / c.group / 2), Math.floor((3 * N / c.group) / 4), N / c.group - 1].map((k) => k * c.group)
    : [0, Math.floor(N / 4), Math.floor(N / 2), Math.floor((3 * N) / 4), p.spans[p.spans.length - 1].start];
  const ks = [...new Set(tokens.map((t) => spanIndexOf(p, t)))];
  return ks.map((k) => ({ start: p.spans[k].start, end: p.spans[k].end }));
};

/**
 * Reconstruction quality over a set of images, in batches: PSNR per pass-plan prefix (against
 * the degraded target at dec(t), and against the original after upscaling), codebook usage,
 * and the noisy-reconstruction check. A pure function of (params, images, seed).
 */
export interface ReconOptions {
  readonly seed?: number;
  /** Called after every batch with the images done so far (progress for long evaluations). */
  readonly onBatch?: (done: number, total: number) => void;
}

export const reconReport = async (tk: Tokenizer, backend: BackendName, params: unknown, images: HostArray, batch: number, opts: ReconOptions = {}): Promise<ReconReport> => {
  const seed = opts.seed ?? 0;
  const c = tk.config;
  const [n] = images.shape;
  const per = c.channels * c.size * c.size;
  const rec = reconstructor(tk, backend);
  const ts = prefixBoundaries(tk);
  const sums = ts.map(() => ({ target: 0, original: 0 }));
  const V = tk.quantizer.codes;
  const counts = new Float64Array(V);
  const spans = noisySpans(tk);
  const noisySums = spans.map(() => ({ corrected: 0, uncorrected: 0 }));
  const noisyF = spans.length === 0 ? undefined : compile((p: Params<TokenizerParams>, x: Node, span: Node, key: Node) => {
    const clean = tk.encode(p, x);
    const fixed = selfCorrect(tk, p, x, clean, span, key);
    return { corrected: mean(psnrExpr(tk.decodeCodes(p, fixed.codes), x)), uncorrected: mean(psnrExpr(tk.decodeCodes(p, fixed.uncorrected), x)) };
  }, { backend, name: 'noisy-reconstruction' });
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s);
    const x = hostArray((images.data as Float32Array).slice(s * per, (s + b) * per), [b, c.channels, c.size, c.size]);
    const { indices, prefixes: results } = await rec.decodePrefixes(params, x, ts);
    results.forEach((r, i) => { sums[i].target += r.psnrTarget * b; sums[i].original += r.psnrOriginal * b; });
    for (const idx of indices.data) counts[idx]++;
    for (const [i, span] of spans.entries()) {
      const out = await noisyF!.host(params, x, spanMasks(c.tokens, span), foldIn(keyFromSeed(seed), s * 31 + i));
      noisySums[i].corrected += out.corrected.data[0] * b;
      noisySums[i].uncorrected += out.uncorrected.data[0] * b;
    }
    opts.onBatch?.(s + b, n);
  }
  const total = counts.reduce((a, v) => a + v, 0);
  const entropy = counts.reduce((a, v) => (v > 0 ? a - (v / total) * Math.log(v / total) : a), 0);
  const used = counts.filter((v) => v > 0).length;
  const prefixes = ts.map((t, i) => ({ t, side: tk.decoderSide(t), psnrTarget: sums[i].target / n, psnrOriginal: sums[i].original / n }));
  return {
    images: n,
    prefixes,
    codebook: { size: V, used, fractionUsed: used / V, perplexity: Math.exp(entropy) },
    noisy: spans.map((sp, i) => ({ ...sp, corrected: noisySums[i].corrected / n, uncorrected: noisySums[i].uncorrected / n })),
    dips: prefixDips(prefixes),
  };
};

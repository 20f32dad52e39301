import type { Node } from '../../ir/node.ts';
import { add, cast, expandDims, mul, reshape, sliceAxis, stopGradient } from '../../ops/index.ts';
import type { Params } from '../../nn/module.ts';
import type { Quantized } from './quantizers/quantizer.ts';
import { latentEncoder, type Tokenizer, type TokenizerParams } from './model.ts';

export interface Corrected {
  /** [clean[:s] ; noisy[s:e] ; re-encoded[e:]] as unit codes [B, N, D] (the prefix detached). */
  readonly codes: Node;
  /** [clean[:s] ; noisy[s:e] ; clean[e:]]: the corruption without the correction, for comparison. */
  readonly uncorrected: Node;
  /** The second pass's quantisation (its losses count from e on). */
  readonly second: Quantized;
  /** The noisy indices used in the span, and the whole corrected index sequence [B, N]. */
  readonly indices: Node;
  /** Row masks [N, 1] (or [B, N, 1] for per-sample spans): before s, inside [s, e), from e on. */
  readonly masks: readonly [Node, Node, Node];
}

/**
 * Self-correction (reference section 4.2): the tokens in [s, e) are swapped for random codes among
 * their k nearest (the quantiser's noise source), and the encoder is run again with the corrupted
 * prefix fed in through its own projection and the second query set for positions from e on. The span comes as masks [3, N]
 * shared by the batch (one compiled plan serves every span), or [B, 3, N], one span per sample
 * (code extraction draws one per image).
 */
/** Mask r of [3, N] as [N, 1]; of [B, 3, N] as [B, N, 1], so it broadcasts with [B, N, D]. */
const rowMask = (span: Node, r: number, N: number): Node => {
  const axis = span.shape.length - 2;
  if (axis === 0) return expandDims(reshape(sliceAxis(span, 0, r, r + 1), [N]), -1);
  return reshape(sliceAxis(span, axis, r, r + 1), [...span.shape.slice(0, axis), N, 1]);
};

export const selfCorrect = (tk: Tokenizer, p: Params<TokenizerParams>, images: Node, clean: Quantized, span: Node, key: Node): Corrected => {
  const N = tk.config.tokens;
  const masks = [0, 1, 2].map((r) => rowMask(span, r, N)) as [Node, Node, Node];
  const [before, inSpan, after] = masks;
  const noise = tk.quantizer.noise(p.codebook, clean, tk.config.noiseTopK, key);
  const prefix = stopGradient(add(mul(clean.codes, before), mul(noise.codes, inSpan)));
  const e = latentEncoder(p.encoder);
  const latents = add(mul(tk.encoder.refine(e, prefix), add(before, inSpan)), mul(e.refinedTokens, after));
  const second = tk.quantizer.quantize(p.codebook, tk.encoder.apply(e, images, latents));
  const pick = (a: Node, b: Node, c: Node) => add(add(mul(a, before), mul(b, inSpan)), mul(c, after));
  const asFloat = (i: Node) => cast(expandDims(i, -1), 'float32');
  // exact: indices are integers below 2^24
  const indices = cast(add(reshape(pick(asFloat(clean.indices), asFloat(noise.indices), asFloat(second.indices)), clean.indices.shape), 0.5), 'int32');
  return {
    codes: add(prefix, mul(second.codes, after)),
    uncorrected: add(prefix, mul(clean.codes, after)),
    second,
    indices,
    masks,
  };
};

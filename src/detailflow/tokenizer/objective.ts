import type { Node } from '../../ir/node.ts';
import {
  add, concat, constant, div, mean, mul, neg, reshape, sliceAxis, square, stopGradient, sub, sum,
} from '../../ops/index.ts';
import type { Params } from '../../nn/module.ts';
import { bicubic } from '../resampling.ts';
import { resizeExpr } from '../resize-expr.ts';
import { degradeExpr } from '../degradation.ts';
import { l2Normalize } from './quantizers/l2-vq.ts';
import { selfCorrect } from './self-correction.ts';
import { perceptualDistance } from '../teacher/perceptual.ts';
import type { Tokenizer, TokenizerParams } from './model.ts';

/**
 * Per-step inputs decided on the host: the prefix t is static (it fixes the decoder's output
 * size, so each t has its own compiled plan); the noise span is dynamic, given as masks, so
 * every span shares that plan.
 */
export interface StepInputs {
  /** Clean images [B, C, H, W] in [-1, 1]. */
  readonly images: Node;
  /** The teacher's pooled features of the clean images [B, F] (frozen: computed outside, or precomputed). */
  readonly teacherPooled?: Node;
  /** Span masks [3, N]: rows before s, inside [s, e), from e on; absent when t = 1 or correction is off. */
  readonly span?: Node;
  /** VQ mixing weights [2]: N/(2N-e) and (N-e)/(2N-e). */
  readonly mix?: Node;
  /** Key for the near-neighbour noise draw. */
  readonly noiseKey?: Node;
  /** Weight of the perceptual term at this step (warm-up applied on the host) and the teacher's maps. */
  readonly perceptual?: { readonly weight: Node; readonly maps: (images: Node) => readonly Node[] };
}

export interface LossTerms {
  readonly total: Node;
  /** The decoded images [B or 2B, C, dec(t), dec(t)] and their degraded targets (for terms composed on top, e.g. the adversarial stage). */
  readonly images: { readonly recon: Node; readonly target: Node };
  readonly mse: Node;
  readonly vq: Node;
  readonly commit: Node;
  readonly align: Node;
  readonly perceptual: Node;
}

const zero = () => constant(Float32Array.of(0), []);

/**
 * The tokenizer objective for prefix t, each term a value the caller can reweight or drop:
 * reconstruction MSE against the degraded target at dec(t), VQ + commitment, self-correction
 * (second encoder pass over a corrupted prefix, batch doubled), first-token alignment to the
 * teacher, and a perceptual distance on the teacher's maps.
 */
export const tokenizerLoss = (tk: Tokenizer, t: number) => (p: Params<TokenizerParams>, inp: StepInputs): LossTerms => {
  const c = tk.config;
  const N = c.tokens;
  const clean = tk.encode(p, inp.images);
  let codes = clean.codes;
  let vq = mean(clean.vqPerToken);
  let commit = mean(clean.commitPerToken);
  let batches = 1;
  if (c.selfCorrection && inp.span && inp.noiseKey && inp.mix && t > 1) {
    const fixed = selfCorrect(tk, p, inp.images, clean, inp.span, inp.noiseKey);
    const second = fixed.second;
    const corrected = fixed.codes;
    const after = fixed.masks[2];
    const afterRow = reshape(after, [N]);
    const count = mul(sum(afterRow), inp.images.shape[0]);
    const masked = (perToken: Node) => div(sum(mul(perToken, afterRow)), count);
    const [wClean, wCorr] = [0, 1].map((i) => reshape(sliceAxis(inp.mix as Node, 0, i, i + 1), []));
    vq = add(mul(vq, wClean), mul(masked(second.vqPerToken), wCorr));
    commit = add(mul(commit, wClean), mul(masked(second.commitPerToken), wCorr));
    codes = concat([clean.codes, corrected], 0);
    batches = 2;
  }
  const recon = tk.decodeCodes(p, tk.prefix(codes, t));
  const target1 = degradeExpr(tk.degradation, inp.images, t);
  const target = batches === 1 ? target1 : concat([target1, target1], 0);
  const mse = mean(square(sub(recon, target)));
  let align = zero();
  if (inp.teacherPooled && c.alignWeight > 0) {
    const student = l2Normalize(tk.align.apply(p.align as never, reshape(sliceAxis(clean.codes, 1, 0, 1), [clean.codes.shape[0], c.codeDim])));
    align = neg(mean(sum(mul(student, l2Normalize(inp.teacherPooled)), -1)));
  }
  let perceptual = zero();
  if (inp.perceptual && c.perceptualWeight > 0) {
    const fa = inp.perceptual.maps(resizeExpr(recon, c.size, bicubic));
    const fb = inp.perceptual.maps(resizeExpr(target, c.size, bicubic)).map(stopGradient);
    perceptual = perceptualDistance(fa, fb);
  }
  const total = [
    mse,
    mul(vq, c.vqWeight),
    mul(commit, c.commitBeta),
    mul(align, c.alignWeight),
    inp.perceptual ? mul(perceptual, mul(inp.perceptual.weight, c.perceptualWeight)) : zero(),
  ].reduce((a, b) => add(a, b));
  return { total, images: { recon, target }, mse, vq, commit, align, perceptual };
};

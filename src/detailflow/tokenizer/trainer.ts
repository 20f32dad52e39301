import * as O from 'fp-ts/lib/Option.js';
import { GraphError } from '../../ir/errors.ts';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import { foldIn, shardKey, type Key } from '../../random/key.ts';
import { shardRows } from '../../train/data-parallel/shards.ts';
import { tokenizerOptimizer } from './optimizer.ts';
import type { Objective, StepInput } from '../../train/trainer.ts';
import type { Params } from '../../nn/module.ts';
import { orThrow } from '../../config/codec.ts';
import { checkPrefixOf, sampleNoiseSpanOf, vqMixWeights } from '../noise-span.ts';
import { partitionOf, prefixOptionsOf } from '../partition-config.ts';
import { samplePrefixOf } from '../prefix-schedule.ts';
import { alignmentTarget, type AnyNetworkTeacher, type Teacher } from '../teacher/teacher.ts';
import { add } from '../../ops/index.ts';
import { freeze } from '../../nn/freeze.ts';
import { adversarialStage } from './adversarial.ts';
import { carries, emaCarry } from '../../train/ema.ts';
import type { Tokenizer, TokenizerParams } from './model.ts';
import { tokenizerLoss } from './objective.ts';
import type { TrainConfig } from './train-config.ts';

/** What one step needs from the host, all derived from (run key, step): resuming repeats it exactly. */
export interface StepPlan {
  readonly t: number;
  readonly span: O.Option<{ start: number; end: number }>;
  readonly noiseKey: Key;
  /** The adversarial stage's augmentations. */
  readonly augKey: Key;
}

export const planStep = (tk: Tokenizer, runKey: Key, step: number): StepPlan => {
  const c = tk.config;
  const key = foldIn(runKey, step);
  // the prefix and the noise span come from the configuration's partition
  const p = partitionOf(c);
  const t = samplePrefixOf(foldIn(key, 0), p, prefixOptionsOf(c));
  const span = c.selfCorrection ? sampleNoiseSpanOf(foldIn(key, 1), p, orThrow(checkPrefixOf(p, t))) : O.none;
  return { t, span, noiseKey: foldIn(key, 2), augKey: foldIn(key, 3) };
};

/** Rows before s, inside [s, e), from e on: the masks the traced step reads the span from. */
export const spanMasks = (tokens: number, span: { start: number; end: number }): HostArray => {
  const m = new Float32Array(3 * tokens);
  for (let i = 0; i < tokens; i++) m[(i < span.start ? 0 : i < span.end ? 1 : 2) * tokens + i] = 1;
  return hostArray(m, [3, tokens]);
};

/** What fixes a step's traced graph: the prefix t (the decoder's output size) and whether a noise span is drawn. */
export interface TokenizerVariant {
  readonly t: number;
  readonly withSpan: boolean;
}

/** What a step feeds its graph: plain data, so a data-parallel shard can be posted to a worker. */
export interface TokenizerArrays {
  /** The batch (or a shard's rows of it), [B, C, H, W]. */
  readonly images: HostArray;
  /** Rows before, inside and after the noise span (spanMasks). */
  readonly span: HostArray;
  /** The two VQ mixing weights of the self-correction objective (vqMixWeights). */
  readonly mix: HostArray;
  /** Noise draws; a shard's key draws its rows of the whole batch's noise (shardKey). */
  readonly noiseKey: Key;
  readonly perceptualWeight: number;
  /** The teacher's input: a network teacher's parameter tree, or the batch's precomputed features [B, F]. */
  readonly teacher?: object;
  /** With the adversarial stage: its augmentation key, and 1 from train.discStart on (else 0). */
  readonly adversarial?: { readonly augKey: Key; readonly gate: number };
}

export type TokenizerStep = StepInput<TokenizerVariant, TokenizerArrays>;

/** Step i's inputs for the whole batch, from its plan (fit.ts derives everything from the run key and i). */
export const tokenizerStep = (
  tk: Tokenizer, plan: StepPlan, images: HostArray, perceptualWeight: number, teacher?: object, adversarialGate?: number,
): TokenizerStep => {
  const N = tk.config.tokens;
  const span = O.isSome(plan.span) ? plan.span.value : { start: 0, end: 0 };
  const [wClean, wCorr] = vqMixWeights(N, span.end);
  return {
    variant: { t: plan.t, withSpan: O.isSome(plan.span) },
    arrays: {
      images, span: spanMasks(N, span), mix: hostArray(Float32Array.of(wClean, wCorr), [2]), noiseKey: plan.noiseKey, perceptualWeight,
      ...(teacher === undefined ? {} : { teacher }),
      ...(adversarialGate === undefined ? {} : { adversarial: { augKey: plan.augKey, gate: adversarialGate } }),
    },
  };
};

/**
 * Splits a step over `count` equal shards: each gets its rows of the images and its shard of the
 * noise key. The teacher's parameters stay out: each replica holds them from its recipe.
 */
export const tokenizerShards = (x: TokenizerStep, count: number, teacher: Teacher | undefined): TokenizerStep[] => {
  if (teacher?.kind === 'precomputed') throw new GraphError('input', 'tokenizerShards', 'data-parallel training cannot shard precomputed teacher features yet; train with one worker');
  const { teacher: _fixed, ...arrays } = x.arrays;
  return Array.from({ length: count }, (_, k) => ({
    variant: x.variant,
    arrays: { ...arrays, images: shardRows(x.arrays.images, k, count), noiseKey: shardKey(x.arrays.noiseKey, k, count) },
  }));
};

/**
 * The tokenizer's objective for every prefix t (one compiled plan per variant): reconstruction,
 * VQ and commitment, self-correction, first-token alignment and the perceptual term, with Adam
 * on the warmup-cosine schedule. src/train/trainer.ts compiles it.
 */
export const tokenizerObjective = (tk: Tokenizer, train: TrainConfig, teacher: Teacher | undefined): Objective<TokenizerVariant, TokenizerArrays> => {
  const stage = train.gan ? adversarialStage(train, adversarialBackbone(teacher)) : undefined;
  const carry = carries(stage?.carry, train.ema > 0 ? emaCarry(train.ema) : undefined);
  return {
    name: 'tokenizer',
    optimizer: tokenizerOptimizer(train),
    clip: train.clip,
    loss: ({ t, withSpan }, trained, x, state) => {
      // with a frozen encoder only the decoder gets gradients (Adam leaves a parameter with zero gradients where it is)
      const p = train.frozenEncoder ? freezeEncoder(trained as Params<TokenizerParams>) : trained;
      const target = teacher ? alignmentTarget(teacher, x.teacher, x.images) : undefined;
      const maps = teacher?.kind === 'network' ? (img: Node) => teacher.features(x.teacher as never, img).maps : undefined;
      const { total, images, ...terms } = tokenizerLoss(tk, t)(p as Params<TokenizerParams>, {
        images: x.images,
        teacherPooled: target?.pooled,
        ...(withSpan ? { span: x.span, mix: x.mix, noiseKey: x.noiseKey } : {}),
        ...(maps ? { perceptual: { weight: x.perceptualWeight, maps } } : {}),
      });
      if (!stage) return { total, terms };
      if (!x.adversarial) throw new GraphError('input', 'tokenizer', 'the adversarial stage is on but the step has no augmentation key and gate (tokenizerStep\'s adversarialGate)');
      const a = stage.terms(state, images.recon, images.target, { augKey: x.adversarial.augKey, gate: x.adversarial.gate, teacherParams: x.teacher });
      return { total: add(total, a.generator), adversaryTotal: a.discriminator, terms: { ...terms, ...a.metrics } };
    },
    ...(stage ? { adversary: stage.adversary } : {}),
    ...(carry ? { carry } : {}),
  };
};

/** Everything but the decoder frozen: the parts that decide the codes. */
const freezeEncoder = (p: Params<TokenizerParams>): Params<TokenizerParams> =>
  ({ ...p, encoder: freeze(p.encoder), codebook: freeze(p.codebook), align: freeze(p.align) });

/** The adversarial stage's frozen backbone: a network teacher (precomputed features have no maps). */
const adversarialBackbone = (teacher: Teacher | undefined): AnyNetworkTeacher => {
  if (teacher?.kind === 'network') return teacher;
  throw new GraphError('input', 'tokenizer', `the adversarial stage (train.gan) needs a network teacher as the discriminator's frozen backbone; ${teacher ? 'precomputed features have no feature maps' : 'this run has none (--no-align)'}: pass --teacher, or set train.gan to false`);
};

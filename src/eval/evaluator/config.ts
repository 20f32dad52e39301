import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { ConfigError } from '../../config/errors.ts';
import { configCodec, decodeWith, intIn, numberWhere, type Check } from '../../config/codec.ts';

/**
 * The metric network: three 3x3 conv stages of widths [w, 2w, 4w] over `size` x `size` images with
 * `channels` channels, each followed by 2x2 max pooling, then a dense layer to `features` units
 * (the embedding the Frechet distance and precision/recall use) and a linear head to `classes`.
 * The training fields are read by the train-evaluator loop.
 */
const props = {
  size: intIn(8, 8192),
  channels: intIn(1, 4096),
  width: intIn(1, 1024),
  features: intIn(2, 65536),
  classes: intIn(2, 65536),
  lr: numberWhere('a number in (0, 10]', (n) => Number.isFinite(n) && n > 0 && n <= 10),
  weightDecay: numberWhere('a number in [0, 1]', (n) => Number.isFinite(n) && n >= 0 && n <= 1),
  batchSize: intIn(1, 65536),
  steps: intIn(1, 1e9),
} as const;

export type EvaluatorConfig = { readonly [K in keyof typeof props]: t.TypeOf<(typeof props)[K]> };

/**
 * 32x32 grey images (padded Fashion-MNIST), 10 classes. Narrower than the CNN teacher and with
 * ReLU, max pooling and a dense embedding instead of GELU, average pooling and a global mean, so
 * the metric does not share the teacher's inductive biases (nor its weights: another seed).
 */
export const evaluatorDefaults: EvaluatorConfig = {
  size: 32, channels: 1, width: 16, features: 128, classes: 10, lr: 2e-3, weightDecay: 0.01, batchSize: 64, steps: 1500,
};

type P = typeof props;

const checks: Check<P>[] = [{
  fields: ['size'],
  problem: (v) => (v.size % 8 === 0 ? null : `size (${v.size}) must be a multiple of 8: the evaluator halves it three times`),
}];

export const EvaluatorConfigCodec = configCodec('EvaluatorConfig', props, evaluatorDefaults, checks, { strict: true });

/** Decodes a (partial) evaluator configuration over the defaults; unknown keys are problems (typos). */
export const decodeEvaluatorConfig = (u: unknown): E.Either<ConfigError, EvaluatorConfig> => decodeWith(EvaluatorConfigCodec, u) as E.Either<ConfigError, EvaluatorConfig>;

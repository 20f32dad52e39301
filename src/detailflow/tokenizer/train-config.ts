import type * as E from 'fp-ts/lib/Either.js';
import type { ConfigError } from '../../config/errors.ts';
import { configCodec, decodeWith, intIn, numberIn } from '../../config/codec.ts';
import * as t from 'io-ts';

/** How a tokenizer is trained (kept apart from what it is: TokenizerConfig). */
const props = {
  steps: intIn(1, 1e9), batchSize: intIn(1, 65536), lr: numberIn(0, 1), warmupFraction: numberIn(0, 1),
  minLrRatio: numberIn(0, 1), clip: numberIn(0, 1e6), checkpointEvery: intIn(1, 1e9), reconstructionEvery: intIn(0, 1e9),
  seed: intIn(0, 2 ** 31), flip: t.boolean, b1: numberIn(0, 1), b2: numberIn(0, 1),
  // the adversarial stage (adversarial.ts): off by default; on from step discStart when gan is true
  gan: t.boolean, discStart: intIn(0, 1e9), discWeight: numberIn(0, 1e6), lecamWeight: numberIn(0, 1e6),
  lecamDecay: numberIn(0, 1), consistencyWeight: numberIn(0, 1e6), discHidden: intIn(1, 8192),
  // the discriminator's peak lr as a multiple of the tokenizer's (the reference: 1)
  discLrScale: numberIn(0, 1e4),
  // > 0: the discriminator also taps the image's own patches of this side (not in the reference)
  discPixelPatch: intIn(0, 64),
  // decoder fine-tuning: the encoder, codebook and alignment head stay as they are, so the codes
  // (and an AR model trained on them) stay valid
  frozenEncoder: t.boolean,
  // an EMA of the weights carried beside them (0: none); export ships it, as with the AR model
  ema: numberIn(0, 0.999999),
} as const;

export type TrainConfig = { readonly [K in keyof typeof props]: t.TypeOf<(typeof props)[K]> };

// The reference uses Adam (0.9, 0.95), 1e-4 at batch 256 with warmup and cosine to 0.1 lr; this
// small model at batch 32 trains faster with a larger step.
export const trainDefaults: TrainConfig = {
  steps: 3000, batchSize: 32, lr: 4e-4, warmupFraction: 0.05, minLrRatio: 0.1, clip: 1, checkpointEvery: 250,
  reconstructionEvery: 500, seed: 0, flip: true, b1: 0.9, b2: 0.95,
  // the reference's weights (disc_weight 0.2, LeCAM 0.001 with EMA decay 0.999, consistency 4.0);
  // its discriminator starts at step 40000 of its run
  gan: false, discStart: 0, discWeight: 0.2, lecamWeight: 0.001, lecamDecay: 0.999, consistencyWeight: 4, discHidden: 64, discLrScale: 1, discPixelPatch: 0,
  frozenEncoder: false, ema: 0,
};

export const TrainConfigCodec = configCodec('TrainConfig', props, trainDefaults as never, [], { strict: true });
export const decodeTrainConfig = (u: unknown): E.Either<ConfigError, TrainConfig> => decodeWith(TrainConfigCodec, u) as E.Either<ConfigError, TrainConfig>;

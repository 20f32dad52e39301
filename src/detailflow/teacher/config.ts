import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { ConfigError } from '../../config/errors.ts';
import { configCodec, decodeWith, intIn, numberWhere, type Check } from '../../config/codec.ts';
import { fields } from '../config.ts';

/**
 * The default CNN teacher: four 3x3 conv stages of widths [w, w, 2w, 4w] over `size` x `size`
 * images with `channels` channels, so featureDim = 4w (128 by default), and a linear head to
 * `classes` used only to train it. The training fields are read by the train-teacher loop.
 */
const props = {
  size: intIn(8, 8192),
  channels: fields.channels,
  width: intIn(1, 1024),
  classes: intIn(2, 65536),
  lr: numberWhere('a number in (0, 10]', (n) => Number.isFinite(n) && n > 0 && n <= 10),
  batchSize: intIn(1, 65536),
  steps: intIn(1, 1e9),
} as const;

export type CnnTeacherConfig = { readonly [K in keyof typeof props]: t.TypeOf<(typeof props)[K]> };

/**
 * 32x32 grey images (padded Fashion-MNIST), 10 classes, about one epoch of 60000 at batch 64:
 * a feature extractor, not a leaderboard entry (~1.3 s a step on wasm with 2 cores, ~20 min).
 */
export const cnnTeacherDefaults: CnnTeacherConfig = {
  size: 32, channels: 1, width: 32, classes: 10, lr: 2e-3, batchSize: 64, steps: 1000,
};

type P = typeof props;

const checks: Check<P>[] = [{
  fields: ['size'],
  problem: (v) => (v.size % 8 === 0 ? null : `size (${v.size}) must be a multiple of 8: the teacher halves it three times`),
}];

export const CnnTeacherConfigCodec = configCodec('CnnTeacherConfig', props, cnnTeacherDefaults, checks, { strict: true });

/** Decodes a (partial) teacher configuration over the defaults; unknown keys are problems (typos). */
export const decodeCnnTeacherConfig = (u: unknown): E.Either<ConfigError, CnnTeacherConfig> => decodeWith(CnnTeacherConfigCodec, u) as E.Either<ConfigError, CnnTeacherConfig>;

/** The teacher's pooled feature width for a configuration. */
export const cnnFeatureDim = (cfg: Pick<CnnTeacherConfig, 'width'>): number => 4 * cfg.width;

/**
 * A comparison budget: what every variant gets alike (model sizes, training steps, the images
 * its codes come from, and how many samples score it). Named budgets are data; a JSON file of
 * the same shape is decoded field by field, every problem reported.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { ConfigError } from '../../config/errors.ts';
import { configCodec, decodeWith, intIn } from '../../config/codec.ts';
import { decodeArConfig, type ArConfig } from '../ar/config.ts';
import { decodeArTrainConfig, type ArTrainConfig } from '../codes/ar-trainer.ts';
import { decodeTokenizerConfig, type TokenizerConfig } from '../tokenizer/config.ts';
import { decodeTrainConfig, type TrainConfig } from '../tokenizer/train-config.ts';

export interface CompareBudget {
  readonly name: string;
  /** The base tokenizer (over the defaults); each variant changes a few fields of it. */
  readonly tokenizer: Partial<TokenizerConfig>;
  readonly tokenizerTrain: Partial<TrainConfig>;
  /** The AR model's size (vocab, tokens, group and causal come from the variant's tokenizer). */
  readonly ar: Partial<ArConfig>;
  readonly arTrain: Partial<ArTrainConfig>;
  /** The first K training images (and their flips) are encoded for the AR model. */
  readonly codeImages: number;
  /** Generated images scored (class-balanced) and test images they are compared with. */
  readonly samples: number;
  readonly limit: number;
  /** Images per evaluation step. */
  readonly batch: number;
}

const record = t.UnknownRecord;
const props = {
  name: t.string, tokenizer: record, tokenizerTrain: record, ar: record, arTrain: record,
  codeImages: intIn(1, 1e7), samples: intIn(2, 1e7), limit: intIn(2, 1e7), batch: intIn(1, 65536),
} as const;

const BudgetCodec = configCodec('CompareBudget', props, { name: 'custom', tokenizer: {}, tokenizerTrain: {}, ar: {}, arTrain: {} }, [], { strict: true });

/** Decodes a budget; the nested configurations are decoded too (over their defaults), so a typo in any is reported. */
export const decodeBudget = (u: unknown): E.Either<ConfigError, CompareBudget> => {
  const outer = decodeWith(BudgetCodec, u);
  if (E.isLeft(outer)) return outer;
  const b = outer.right as CompareBudget;
  const nested = [
    ['tokenizer', decodeTokenizerConfig(b.tokenizer)], ['tokenizerTrain', decodeTrainConfig(b.tokenizerTrain)],
    ['ar', decodeArConfig(b.ar)], ['arTrain', decodeArTrainConfig(b.arTrain)],
  ] as const;
  const problems = nested.flatMap(([k, r]) => (E.isLeft(r) ? r.left.problems.map((p) => `${k}.${p}`) : []));
  return problems.length ? E.left(new ConfigError(problems, 'CompareBudget')) : E.right(b);
};

/**
 * smoke: tiny models and 2 steps each, to check that every row runs end to end (the figures
 * mean nothing). Every budget trains the tokenizer with the adversarial stage on for its second
 * half (the no-gan row turns it off). small: the shipped models' sizes (tokenizer width 128 x 4 layers, AR width 128
 * x 4 layers) with fewer steps, so that a whole comparison fits in hours on a CPU. brief: a
 * half-width, half-depth tokenizer and a few hundred steps each, so that all eight rows train in
 * about an hour and a half on two cores (two compare processes sharing one --out, then --reuse).
 */
export const budgets: Readonly<Record<'smoke' | 'brief' | 'small', CompareBudget>> = {
  smoke: {
    name: 'smoke',
    tokenizer: {
      codebookSize: 32, codeDim: 4, tokens: 8, group: 2, causal: 2, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2,
      decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, mlpRatio: 1, noiseTopK: 4, alignHidden: 8, perceptualWarmup: 0,
    },
    tokenizerTrain: { steps: 2, batchSize: 2, lr: 1e-3, gan: true, discStart: 1, discHidden: 4 },
    ar: { width: 16, depth: 1, heads: 2, mlpHidden: 16 },
    arTrain: { steps: 2, batchSize: 4, lr: 1e-3, ema: 0.5 },
    codeImages: 4, samples: 4, limit: 4, batch: 4,
  },
  brief: {
    name: 'brief',
    tokenizer: { encoderWidth: 64, encoderDepth: 2, decoderWidth: 64, decoderDepth: 2 },
    tokenizerTrain: { steps: 240, batchSize: 32, lr: 8e-4, gan: true, discStart: 120 },
    ar: { width: 128, depth: 4, heads: 4 },
    arTrain: { steps: 240, batchSize: 64, lr: 1e-3, ema: 0.98 },
    codeImages: 2000, samples: 1000, limit: 1000, batch: 100,
  },
  small: {
    name: 'small',
    tokenizer: {},
    tokenizerTrain: { steps: 300, batchSize: 32, gan: true, discStart: 150 },
    ar: { width: 128, depth: 4, heads: 4 },
    arTrain: { steps: 600, batchSize: 64, lr: 6e-4, ema: 0.99 },
    codeImages: 2000, samples: 1000, limit: 1000, batch: 100,
  },
};

export type BudgetName = keyof typeof budgets;
export const isBudgetName = (s: string): s is BudgetName => Object.hasOwn(budgets, s);

/**
 * One row's models trained within a budget, in memory: the tokenizer (fitTokenizer), its codes
 * for the first K training images and their flips, then the AR model on them (fitAr). The
 * seeds come from the budget's train configs, so every variant sees the same batches.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { BackendName } from '../../compile/backend.ts';
import type { Dataset } from '../../data/dataset.ts';
import { keyFromSeed } from '../../random/key.ts';
import type { ArParams } from '../ar/model.ts';
import type { Teacher } from '../teacher/teacher.ts';
import { fitTokenizer } from '../tokenizer/fit.ts';
import { tokenizer, type Tokenizer, type TokenizerParams } from '../tokenizer/model.ts';
import type { CompareBudget } from './budget.ts';
import { datasetCodes } from '../codes/dataset-codes.ts';
import { fitAr } from './fit-ar.ts';
import { variantConfigs, type VariantConfigs } from './variant-config.ts';
import type { Variant } from './variants.ts';

export interface TrainedVariant {
  readonly variant: Variant;
  readonly configs: VariantConfigs;
  readonly tk: Tokenizer;
  readonly tokenizer: TokenizerParams;
  /** The AR model's EMA weights (what sampling uses). */
  readonly ar: ArParams;
  /** Wall-clock seconds of each stage and the last step's losses (empty when loaded). */
  readonly seconds: Readonly<Record<'tokenizer' | 'codes' | 'ar', number>>;
  readonly lastLoss: Readonly<Record<'tokenizer' | 'ar', number>>;
}

export interface TrainOptions {
  readonly backend: BackendName;
  /** The frozen teacher (alignment, perceptual term); without one both terms are off for every row. */
  readonly teacher?: { readonly teacher: Teacher; readonly params: object };
  readonly onProgress?: (stage: 'tokenizer' | 'codes' | 'ar', step: number, metrics: Readonly<Record<string, number>>) => void;
}

export const configsOrThrow = (budget: CompareBudget, v: Variant): VariantConfigs => {
  const r = variantConfigs(budget, v);
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

export const trainVariant = async (v: Variant, budget: CompareBudget, data: Dataset, o: TrainOptions): Promise<TrainedVariant> => {
  const configs = configsOrThrow(budget, v);
  // the configuration (readout and quantiser included) is the row's whole tokenizer
  const tk = tokenizer(configs.tokenizer, o.teacher?.teacher.featureDim ?? 1);
  const clock = () => performance.now() / 1000;
  const t0 = clock();
  // the adversarial stage's backbone is the teacher: without one (compare --no-teacher) it is off too
  const fit = await fitTokenizer(tk, o.teacher ? configs.tokenizerTrain : { ...configs.tokenizerTrain, gan: false }, data, {
    backend: o.backend, ...(o.teacher ? { teacher: o.teacher } : {}), onStep: (i, m) => o.onProgress?.('tokenizer', i, m),
  });
  const t1 = clock();
  const codes = await datasetCodes(tk, fit.params, data, budget.codeImages, budget.batch, keyFromSeed(configs.arTrain.seed), o.backend);
  o.onProgress?.('codes', codes.count, {});
  const t2 = clock();
  const ar = await fitAr(configs.ar, configs.arTrain, codes, o.backend, (i, m) => o.onProgress?.('ar', i, m));
  const t3 = clock();
  const last = (log: readonly Readonly<Record<string, number>>[]) => log[log.length - 1]?.loss ?? NaN;
  return {
    variant: v, configs, tk, tokenizer: fit.params, ar: ar.ema,
    seconds: { tokenizer: t1 - t0, codes: t2 - t1, ar: t3 - t2 },
    lastLoss: { tokenizer: last(fit.log), ar: last(ar.log) },
  };
};

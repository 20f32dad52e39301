/**
 * A trained row as checkpoint bytes (platform-neutral): the tokenizer's parameters and the AR
 * model's EMA weights, with the variant, its configurations and the budget in the metadata, so
 * a rerun of the comparison loads it instead of training again. Shapes are checked against the
 * layouts of the same configurations (traced, nothing allocated).
 */
import * as E from 'fp-ts/lib/Either.js';
import { keyFromSeed } from '../../random/key.ts';
import { paramLayout } from '../../nn/layout.ts';
import { checkedTrees, decodeCheckpoint, encodeCheckpoint } from '../../train/checkpoint.ts';
import { arModel, type ArParams } from '../ar/model.ts';
import { tokenizer, type TokenizerParams } from '../tokenizer/model.ts';
import type { CompareBudget } from './budget.ts';
import { configsOrThrow, type TrainedVariant } from './train-variant.ts';
import { variantDefinition } from './variant-config.ts';
import type { Variant } from './variants.ts';

export const VARIANT_KIND = 'detailflow-compare-variant';

/** What training depends on (evaluation counts may change between runs that reuse the models). */
const trainingPart = (b: CompareBudget | undefined) =>
  b && { tokenizer: b.tokenizer, tokenizerTrain: b.tokenizerTrain, ar: b.ar, arTrain: b.arTrain, codeImages: b.codeImages, batch: b.batch };

export const encodeVariant = (t: TrainedVariant, budget: CompareBudget): Uint8Array => encodeCheckpoint({
  kind: VARIANT_KIND,
  trees: { tokenizer: t.tokenizer as never, ema: t.ar as never },
  // the row as data: a partition constructor is stored as the configuration fields it sets
  meta: { variant: JSON.parse(variantDefinition(budget, t.variant)), configs: t.configs, budget, teacherDim: t.tk.teacherDim, seconds: t.seconds, lastLoss: t.lastLoss },
});

/** The row as saved, if it was trained for this variant under this budget; otherwise why not. */
export const decodeVariant = (bytes: Uint8Array, v: Variant, budget: CompareBudget): E.Either<string, TrainedVariant> => {
  const ck = decodeCheckpoint(bytes, VARIANT_KIND);
  if (E.isLeft(ck)) return E.left(ck.left.message);
  const m = ck.right.meta;
  if (typeof m.variant !== 'object' || m.variant === null || variantDefinition(budget, m.variant as Record<string, unknown>) !== variantDefinition(budget, v)) {
    return E.left(`it holds another definition of variant ${v.name}`);
  }
  if (JSON.stringify(trainingPart(m.budget as CompareBudget)) !== JSON.stringify(trainingPart(budget))) {
    return E.left(`it was trained under another budget (${(m.budget as CompareBudget | undefined)?.name ?? '?'})`);
  }
  const configs = configsOrThrow(budget, v);
  const tk = tokenizer(configs.tokenizer, m.teacherDim as number);
  const model = arModel(configs.ar);
  const trees = checkedTrees<{ tokenizer: TokenizerParams; ema: ArParams }>(ck.right, {
    tokenizer: paramLayout(() => tk.init(keyFromSeed(0))), ema: paramLayout(() => model.init(keyFromSeed(0))),
  });
  if (E.isLeft(trees)) return E.left(trees.left.message);
  return E.right({
    variant: v, configs, tk, tokenizer: trees.right.tokenizer, ar: trees.right.ema,
    seconds: m.seconds as TrainedVariant['seconds'], lastLoss: m.lastLoss as TrainedVariant['lastLoss'],
  });
};

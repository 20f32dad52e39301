import * as E from 'fp-ts/lib/Either.js';
import { ConfigError } from '../../config/errors.ts';
import { decodeArConfig, type ArConfig } from '../ar/config.ts';
import { decodeArTrainConfig, type ArTrainConfig } from '../codes/ar-trainer.ts';
import { decodeTokenizerConfig, type TokenizerConfig } from '../tokenizer/config.ts';
import { decodeTrainConfig, type TrainConfig } from '../tokenizer/train-config.ts';
import { tokenizer, type Tokenizer } from '../tokenizer/model.ts';
import type { CompareBudget } from './budget.ts';
import { rasterTokenizer } from './raster-tokenizer.ts';
import type { Variant } from './variants.ts';

/** Everything one row is built from: the budget's base with the variant's delta on top. */
export interface VariantConfigs {
  readonly tokenizer: TokenizerConfig;
  readonly tokenizerTrain: TrainConfig;
  readonly ar: ArConfig;
  readonly arTrain: ArTrainConfig;
}

export const variantConfigs = (budget: CompareBudget, v: Variant): E.Either<ConfigError, VariantConfigs> => {
  const tc = decodeTokenizerConfig({ ...budget.tokenizer, ...v.delta });
  if (E.isLeft(tc)) return E.left(new ConfigError(tc.left.problems, `variant ${v.name}`));
  const c = tc.right;
  const ac = decodeArConfig({ ...budget.ar, vocab: c.codebookSize, tokens: c.tokens, group: c.group, causal: c.causal });
  const tt = decodeTrainConfig({ ...budget.tokenizerTrain, ...v.trainDelta });
  const at = decodeArTrainConfig(budget.arTrain);
  const problems = [ac, tt, at].flatMap((r) => (E.isLeft(r) ? r.left.problems : []));
  if (problems.length || E.isLeft(ac) || E.isLeft(tt) || E.isLeft(at)) return E.left(new ConfigError(problems, `variant ${v.name}`));
  return E.right({ tokenizer: c, tokenizerTrain: tt.right, ar: ac.right, arTrain: at.right });
};

/** The variant's tokenizer value: DetailFlow's, or the raster 2D VQ made of the same parts. */
export const variantTokenizer = (v: Variant, c: TokenizerConfig, teacherDim: number): Tokenizer =>
  v.kind === 'raster' ? rasterTokenizer(c, teacherDim) : tokenizer(c, teacherDim);

/** How the variant's AR model samples: token by token for the next-token baseline, else in groups. */
export const samplerOf = (v: Variant): 'grouped' | 'token-by-token' => (v.kind === 'raster' ? 'token-by-token' : 'grouped');

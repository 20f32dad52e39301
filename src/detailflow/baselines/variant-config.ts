import * as E from 'fp-ts/lib/Either.js';
import { ConfigError } from '../../config/errors.ts';
import { decodeArConfig, type ArConfig } from '../ar/config.ts';
import { decodeArTrainConfig, type ArTrainConfig } from '../codes/ar-trainer.ts';
import { decodeTokenizerConfig, tokenizerDefaults, type TokenizerConfig } from '../tokenizer/config.ts';
import { partitionFields } from '../partition-config.ts';
import { decodeTrainConfig, type TrainConfig } from '../tokenizer/train-config.ts';
import type { CompareBudget } from './budget.ts';
import type { SamplerKind, Variant } from './variants.ts';

/** Everything one row is built from: the budget's base with the variant's delta on top. */
export interface VariantConfigs {
  readonly tokenizer: TokenizerConfig;
  readonly tokenizerTrain: TrainConfig;
  readonly ar: ArConfig;
  readonly arTrain: ArTrainConfig;
}

/**
 * The row's tokenizer fields over the budget's: its quantiser, its partition as configuration
 * fields (DetailFlow's (g, C) when the partition is DetailFlow's, else spans and causal; built
 * for the row's N), its readout when it is not DetailFlow's, then its other changes.
 */
export const variantDelta = (budget: CompareBudget, v: Variant): Partial<TokenizerConfig> => {
  const tokens = v.delta.tokens ?? budget.tokenizer.tokens ?? tokenizerDefaults.tokens;
  return {
    ...(v.quantizer ?? {}), ...(v.partition ? partitionFields(v.partition.of(tokens)) : {}),
    ...(v.readout === 'latents' ? {} : { readout: v.readout }), ...v.delta,
  };
};

/**
 * What a saved row is compared against: the row as data (its partition and quantiser written
 * out as the configuration fields they set), with keys sorted so the comparison does not depend
 * on field order; a row saved before partitions were values compares equal to the same row now.
 */
export const variantDefinition = (budget: CompareBudget, v: Variant | Readonly<Record<string, unknown>>): string => {
  const sorted = (x: unknown): unknown => (Array.isArray(x) ? x.map(sorted)
    : x !== null && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sorted((x as Record<string, unknown>)[k])])) : x);
  const r = v as Record<string, unknown>;
  // the stored form: name, summary, kind (the readout), delta, trainDelta (and arDelta)
  // (the readout is stored as kind, so the delta leaves it out)
  const deltaOf = (x: Variant) => {
    const { readout: _readout, ...rest } = variantDelta(budget, x);
    return rest;
  };
  const form = 'readout' in r
    ? {
      name: r.name, summary: r.summary, kind: r.readout === 'patches' ? 'raster' : 'detailflow', delta: deltaOf(v as Variant), trainDelta: r.trainDelta,
      // only when there is one, so rows saved before AR deltas existed compare equal
      ...(Object.keys((v as Variant).arDelta).length > 0 ? { arDelta: (v as Variant).arDelta } : {}),
    }
    : r;
  return JSON.stringify(sorted(form));
};

export const variantConfigs = (budget: CompareBudget, v: Variant): E.Either<ConfigError, VariantConfigs> => {
  let delta: Partial<TokenizerConfig>;
  try {
    delta = variantDelta(budget, v);
  } catch (e) {
    return E.left(new ConfigError([`partition ${v.partition?.name}: ${(e as Error).message}`], `variant ${v.name}`));
  }
  const tc = decodeTokenizerConfig({ ...budget.tokenizer, ...delta });
  if (E.isLeft(tc)) return E.left(new ConfigError(tc.left.problems, `variant ${v.name}`));
  const c = tc.right;
  const ac = decodeArConfig({ ...budget.ar, vocab: c.codebookSize, tokens: c.tokens, group: c.group, causal: c.causal, ...(c.spans ? { spans: c.spans } : {}), ...v.arDelta });
  const tt = decodeTrainConfig({ ...budget.tokenizerTrain, ...v.trainDelta });
  const at = decodeArTrainConfig(budget.arTrain);
  const problems = [ac, tt, at].flatMap((r) => (E.isLeft(r) ? r.left.problems : []));
  if (problems.length || E.isLeft(ac) || E.isLeft(tt) || E.isLeft(at)) return E.left(new ConfigError(problems, `variant ${v.name}`));
  return E.right({ tokenizer: c, tokenizerTrain: tt.right, ar: ac.right, arTrain: at.right });
};

/** How the variant's AR model samples: token by token for the next-token baseline, else one pass per span. */
export const samplerOf = (v: Variant): SamplerKind => v.sampler;

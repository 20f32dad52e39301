/**
 * The rows of the comparison as data: each variant is the base DetailFlow tokenizer with a few
 * configuration fields changed (the quantiser among them: fsq), and, for the raster baseline,
 * another arrangement of the same parts. The AR model always takes its vocabulary, N, g and C from the tokenizer, and its width
 * and depth from the budget, so every row's generator has the same size class.
 */
import type { TokenizerConfig } from '../tokenizer/config.ts';
import type { TrainConfig } from '../tokenizer/train-config.ts';

export type VariantKind = 'detailflow' | 'raster';

export interface Variant {
  readonly name: string;
  readonly summary: string;
  readonly kind: VariantKind;
  /** The fields that differ from the base configuration (the budget's tokenizer over the defaults). */
  readonly delta: Partial<TokenizerConfig>;
  /** The fields of the tokenizer's training that differ from the budget's. */
  readonly trainDelta: Partial<TrainConfig>;
}

const variant = (name: string, summary: string, delta: Partial<TokenizerConfig>, kind: VariantKind = 'detailflow', trainDelta: Partial<TrainConfig> = {}): Variant =>
  Object.freeze({ name, summary, kind, delta: Object.freeze({ ...delta }), trainDelta: Object.freeze({ ...trainDelta }) });

/** The comparison's rows, base first. */
export const variants: readonly Variant[] = Object.freeze([
  variant('detailflow', 'DetailFlow as configured: coarse-to-fine 1D tokens, grouped parallel decoding', {}),
  // one token per 4x4 patch of a 32x32 image; next-token decoding
  variant('raster', '2D VQ (one token per patch) + next-token GPT, raster order',
    { tokens: 64, group: 1, causal: 1, degradeProb: 0, selfCorrection: false, alignWeight: 0 }, 'raster'),
  variant('g1', 'DetailFlow with g = 1: sequential next-detail decoding', { group: 1, causal: 1 }),
  variant('no-correction', 'DetailFlow without self-correction (tokenizer and AR training)', { selfCorrection: false }),
  variant('no-align', 'DetailFlow without first-token alignment', { alignWeight: 0 }),
  variant('alpha1', 'DetailFlow with a linear resolution map (alpha = 1)', { alpha: 1 }),
  variant('alpha2', 'DetailFlow with alpha = 2', { alpha: 2 }),
  variant('no-gan', 'DetailFlow without the adversarial stage', {}, 'detailflow', { gan: false }),
  // the quantiser as a part: 4 channels of 8, 5, 5, 5 levels (1000 codes, the AR vocabulary), no codebook loss
  variant('fsq', 'DetailFlow with finite scalar quantisation (levels 8, 5, 5, 5: 1000 codes, no codebook)',
    { quantizer: 'fsq', fsqLevels: [8, 5, 5, 5], codebookSize: 1000, codeDim: 4 }),
]);

export const variantNames = variants.map((v) => v.name);

/** The variants named (in the given order); unknown names are listed with the known ones. */
export const pickVariants = (names: readonly string[] | undefined): { variants: readonly Variant[]; unknown: readonly string[] } => {
  if (names === undefined) return { variants, unknown: [] };
  const unknown = names.filter((n) => !variantNames.includes(n));
  return { variants: names.flatMap((n) => variants.filter((v) => v.name === n)), unknown };
};

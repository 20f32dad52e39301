/**
 * The rows of the comparison as values: each variant is a token partition (a Partition
 * constructor of the row's N), a quantiser, a readout, and a few configuration fields changed
 * over the base DetailFlow tokenizer (the budget's tokenizer over the defaults). The AR model
 * always takes its vocabulary, N and partition from the tokenizer, and its width and depth from
 * the budget, so every row's generator has the same size class. Adding a variant is one
 * Partition constructor call and one row here, e.g. g248 below.
 */
import { groupsPartition } from '../partition-config.ts';
import { groupOnePartition, nextScalePartition, rasterPartition, type Partition } from '../partition.ts';
import type { ArConfig } from '../ar/config.ts';
import type { Readout, TokenizerConfig } from '../tokenizer/config.ts';
import type { TrainConfig } from '../tokenizer/train-config.ts';

export type { Readout };

/**
 * How the row's AR model samples: 'grouped' (one pass per span, the grouped sampler with its KV
 * cache) or 'token-by-token' (the next-token baseline's own loop).
 */
export type SamplerKind = 'grouped' | 'token-by-token';

/** The quantiser's configuration fields (tokenizer.quantizer and what it fixes). */
export type QuantizerChoice = Partial<Pick<TokenizerConfig, 'quantizer' | 'fsqLevels' | 'codebookSize' | 'codeDim'>>;

/** A row's partition: a constructor of the row's token count N, with a name for tables and checkpoints. */
export interface PartitionChoice {
  readonly name: string;
  readonly of: (tokens: number) => Partition;
}

export interface Variant {
  readonly name: string;
  readonly summary: string;
  /** The token partition; absent: DetailFlow's (C ones, then groups of g) of the configuration. */
  readonly partition?: PartitionChoice;
  /** The quantiser; absent: the base configuration's (l2-normalised VQ). */
  readonly quantizer?: QuantizerChoice;
  /** What a token is read out of: DetailFlow's latent queries, or the encoder's patch grid (a 2D tokenizer). */
  readonly readout: Readout;
  readonly sampler: SamplerKind;
  /** The other fields that differ from the base configuration (the budget's tokenizer over the defaults). */
  readonly delta: Partial<TokenizerConfig>;
  /** The fields of the tokenizer's training that differ from the budget's. */
  readonly trainDelta: Partial<TrainConfig>;
  /** The AR model's fields that differ from the budget's (its vocabulary, N and partition always follow the tokenizer). */
  readonly arDelta: Partial<ArConfig>;
}

interface RowOptions {
  readonly partition?: PartitionChoice;
  readonly quantizer?: QuantizerChoice;
  readonly readout?: Readout;
  readonly sampler?: SamplerKind;
  readonly delta?: Partial<TokenizerConfig>;
  readonly trainDelta?: Partial<TrainConfig>;
  readonly arDelta?: Partial<ArConfig>;
}

const row = (name: string, summary: string, o: RowOptions = {}): Variant => Object.freeze({
  name, summary,
  ...(o.partition ? { partition: Object.freeze(o.partition) } : {}),
  ...(o.quantizer ? { quantizer: Object.freeze({ ...o.quantizer }) } : {}),
  readout: o.readout ?? 'latents',
  sampler: o.sampler ?? 'grouped',
  delta: Object.freeze({ ...(o.delta ?? {}) }),
  trainDelta: Object.freeze({ ...(o.trainDelta ?? {}) }),
  arDelta: Object.freeze({ ...(o.arDelta ?? {}) }),
});

const named = (name: string, of: (tokens: number) => Partition): PartitionChoice => ({ name, of });

/** FSQ with the given levels per channel: the code count is their product, one channel each. */
export const fsqQuantizer = (levels: readonly number[]): QuantizerChoice =>
  ({ quantizer: 'fsq', fsqLevels: [...levels], codebookSize: levels.reduce((a, b) => a * b, 1), codeDim: levels.length });

/** VAR's scales at this scale: 1 to 6, then the 8 x 8 patch grid of a 32 x 32 image (155 tokens, 7 passes). */
export const varScales: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 8]);

/** The comparison's rows, base first. */
export const variants: readonly Variant[] = Object.freeze([
  row('detailflow', 'DetailFlow as configured: coarse-to-fine 1D tokens, grouped parallel decoding'),
  // one token per 4x4 patch of a 32x32 image; next-token decoding
  row('raster', '2D VQ (one token per patch) + next-token GPT, raster order', {
    partition: named('raster', rasterPartition), readout: 'patches', sampler: 'token-by-token',
    delta: { tokens: 64, degradeProb: 0, selfCorrection: false, alignWeight: 0 },
  }),
  // VAR's next-scale prediction: the same encoder read out at its patch grid, quantised scale by
  // scale (multi-scale residual VQ), and the same GPT with the next-scale partition (one pass per
  // scale), its positions holding the previous scale upsampled and rotated by their place (VAR
  // feeds the upsampled feature map; here the upsampled token ids)
  row('var', `next-scale prediction (VAR-style): multi-scale residual VQ of the 8x8 patch grid, scales ${varScales.join(', ')}, one pass per scale`, {
    partition: named(`next-scale ${varScales.join(',')}`, () => nextScalePartition(varScales)),
    quantizer: { quantizer: 'msvq' }, readout: 'patches',
    delta: { tokens: varScales.reduce((a, s) => a + s * s, 0), degradeProb: 0, selfCorrection: false, alignWeight: 0 },
    arDelta: { inputs: 'scales' },
  }),
  row('g1', 'DetailFlow with g = 1: sequential next-detail decoding', { partition: named('g1', groupOnePartition) }),
  // the paper's comparison at equal tokens: DetailFlow with raster's 64 tokens (same g and C: 19 passes)
  row('detailflow64', 'DetailFlow with N = 64 tokens, as many as raster: coarse-to-fine 1D tokens, grouped parallel decoding', { delta: { tokens: 64 } }),
  row('no-correction', 'DetailFlow without self-correction (tokenizer and AR training)', { delta: { selfCorrection: false } }),
  row('no-align', 'DetailFlow without first-token alignment', { delta: { alignWeight: 0 } }),
  row('alpha1', 'DetailFlow with a linear resolution map (alpha = 1)', { delta: { alpha: 1 } }),
  row('alpha2', 'DetailFlow with alpha = 2', { delta: { alpha: 2 } }),
  row('no-gan', 'DetailFlow without the adversarial stage', { trainDelta: { gan: false } }),
  // the quantiser as a part: 4 channels of 8, 5, 5, 5 levels (1000 codes, the AR vocabulary), no codebook loss
  row('fsq', 'DetailFlow with finite scalar quantisation (levels 8, 5, 5, 5: 1000 codes, no codebook)', { quantizer: fsqQuantizer([8, 5, 5, 5]) }),
  // growing groups: two single tokens, then 2, 4, then 8 at a time ([1, 1, 2, 4, 8, 8, 8] at N = 32, [1, 1, 2, 4] at N = 8)
  row('g248', 'DetailFlow with growing groups: 1, 1, then groups of 2, 4 and 8', { partition: named('groups 1,1,2,4,8', (n) => groupsPartition(n, [1, 1, 2, 4, 8])) }),
]);

export const variantNames = variants.map((v) => v.name);

/** The variants named (in the given order); unknown names are listed with the known ones. */
export const pickVariants = (names: readonly string[] | undefined): { variants: readonly Variant[]; unknown: readonly string[] } => {
  if (names === undefined) return { variants, unknown: [] };
  const unknown = names.filter((n) => !variantNames.includes(n));
  return { variants: names.flatMap((n) => variants.filter((v) => v.name === n)), unknown };
};

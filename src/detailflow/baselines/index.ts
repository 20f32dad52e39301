/** Baselines and ablations written with the same parts as DetailFlow, and the comparison that scores them. */
export { type Variant, type Readout, type SamplerKind, type PartitionChoice, type QuantizerChoice, fsqQuantizer, varScales, variants, variantNames, pickVariants } from './variants.ts';
export { type CompareBudget, type BudgetName, budgets, decodeBudget, isBudgetName } from './budget.ts';
export { type VariantConfigs, variantConfigs, variantDelta, variantDefinition, samplerOf } from './variant-config.ts';
export { type ArFit, fitAr } from './fit-ar.ts';
export { type TrainedVariant, type TrainOptions, trainVariant } from './train-variant.ts';
export { VARIANT_KIND, encodeVariant, decodeVariant } from './variant-file.ts';

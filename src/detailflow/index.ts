/**
 * DetailFlow's pure pieces: the resolution map, decoder sizes, degradation, masks and the
 * training/sampling schedules. The plain-data API validates its inputs (plain forms throw a
 * ConfigError, `try*` forms return Either); the combinators build variants as values.
 */
export {
  resolution, tryResolution, decoderSize, tryDecoderSize, groupCausalMask, tryGroupCausalMask, encoderMask, tryEncoderMask,
  passPlan, tryPassPlan, prefixDistribution, tryPrefixDistribution, samplePrefix, sampleNoiseSpan,
  degradeImage, tryDegradeImage, schedule, trySchedule,
  type DegradeInput, type Schedule, type ScheduleRow,
} from './api.ts';
export {
  fields as configFields, defaults as configDefaults,
  ResolutionConfig, DecoderConfig, GroupConfig, MaskConfig, EncoderMaskConfig, PlanConfig, PrefixConfig, DetailFlowConfig,
  decodeResolutionConfig, decodeDecoderConfig, decodeGroupConfig, decodeMaskConfig, decodeEncoderMaskConfig,
  decodePlanConfig, decodePrefixConfig, decodeDetailFlowConfig,
} from './config.ts';
export { ConfigError, isConfigError } from '../config/errors.ts';
export {
  type ResolutionMap, resolutionAt, powerCurve, powerContinuous, fromCurve, fromTable, mapSides, truncClamp, validateResolutionMap,
} from './resolution.ts';
export { snapToPatch, decoderSizes, mappedTokens, mappedTokensOf, bestTokenPerDecoderSize } from './decoder-size.ts';
export {
  type GroupOpts, groupCausalMaskNode, groupCausalBiasNode, encoderMaskNode, encoderBiasNode, maskNode, biasNode, BLOCKED_BIAS,
} from './masks.ts';
export {
  type Partition, type GroupLayout, partition, detailflowPartition, groupOnePartition, rasterPartition, nextScalePartition,
} from './partition.ts';
export {
  type PartitionFields, partitionOf, spanProblems, partitionFields, groupsPartition, prefixOptionsOf,
  placeholderRowsOf, ropeWidthOf, sizesOf, leadingOnes,
} from './partition-config.ts';
export { arMaskRowsOf, encoderMaskRowsOf } from './masks.ts';
export { type Held, tokenAtPosition, predictedAt, heldAt, sequenceLayout, placeholderCount } from './ar-layout.ts';
export {
  type Weighted, type PrefixOptions, prefixProbabilities, roundPrefix, prefixDistributionOf, prefixProbabilitiesOf, samplePrefixOf,
} from './prefix-schedule.ts';
export {
  type Span, type WeightedSpan, noiseSpanDistribution, checkPrefix, vqMixWeights, checkPrefixOf, noiseSpanDistributionOf, sampleNoiseSpanOf,
} from './noise-span.ts';
export { passCount, passInputLength, passPlanOf, passCountOf, passInputLengthOf } from './pass-plan.ts';
export {
  type Resampling, resampling, identity as identityResampling, area, cubic, bicubic, byDirection, torchResize, resamplingMatrix,
} from './resampling.ts';
export { type HostImage, hostImage, checkHostImage } from './host-image.ts';
export { areaResizeHost, bicubicResizeHost, resampleHost } from './resize-host.ts';
export {
  type Stage, type Degradation, degradation, stage, detailflowDegradation, outputSide, degradeExpr, degradeHost, degradeReferenceHost,
} from './degradation.ts';

/** Samplers for the AR model: grouped (DetailFlow) and token by token, with CFG, filtering and a KV cache. */
export { FILTERED, cfgMix, applyTemperature, topPFilter, filterLogits, categoricalInverseCdf, sampleLogits, type FilterOptions } from './filter.ts';
export { type TokenizerShape, checkTokenizerPair } from './pair.ts';
export { type SampleOptions, type SampleRequest, checkSampleRequest } from './options.ts';
export { type PassSpec, type PassInputs, type PassOutputs, passGraph } from './pass-graph.ts';
export {
  type ParamsInput, type DeviceParams, type WithLeaves, type SampleResult, type SampleHooks, type PassReport, type ArSampler, arSampler, sampleGrouped, sampleTokenByToken,
} from './sampler.ts';

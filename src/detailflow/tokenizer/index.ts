/** The 1D coarse-to-fine tokenizer: configuration, model, objective, self-correction, training and reconstruction. */
export { type TokenizerConfig, tokenizerDefaults, TokenizerConfigCodec, decodeTokenizerConfig } from './config.ts';
export { type TrainConfig, trainDefaults, TrainConfigCodec, decodeTrainConfig } from './train-config.ts';
export { type EncoderParams, encoder } from './encoder.ts';
export { type DecoderParams, decoder } from './decoder.ts';
export { gridPositions } from './grid-positions.ts';
export { patchify, unpatchify } from './patches.ts';
export { l2Normalize, initCodebook, quantize, nearNeighbourNoise, lookupCodes, l2VectorQuantizer } from './quantizers/l2-vq.ts';
export { type Quantizer, type Quantized, type QuantizerKind, type QuantizerNoise, type QuantizerParams, quantizerKinds } from './quantizers/quantizer.ts';
export { fsqQuantizer, fsqCodeCount, fsqGrid, fsqDigits, fsqIndex } from './quantizers/fsq.ts';
export { quantizerFor } from './quantizers/of-config.ts';
export { type Corrected, selfCorrect } from './self-correction.ts';
export { type TokenizerParams, type Tokenizer, type TokenizerParts, tokenizer } from './model.ts';
export { type StepInputs, type LossTerms, tokenizerLoss } from './objective.ts';
export { type StepPlan, type TokenizerVariant, type TokenizerArrays, type TokenizerStep, planStep, spanMasks, tokenizerStep, tokenizerShards, tokenizerObjective } from './trainer.ts';
export { prefixBoundaries, type PrefixResult, reconstructor } from './reconstruct.ts';
export { reconstructionGrid } from './reconstruction-grid.ts';
export { type RunOptions, type FitOptions, type Fit, tokenizerRun, fitTokenizer } from './fit.ts';

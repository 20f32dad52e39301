/** The AR model: configuration, sequence layout, 2D RoPE, pass masks, blocks, the GPT, its loss and EMA. */
export {
  type ArConfig, type ArPresetName, ArConfigCodec, arDefaults, arPresets, decodeArConfig, decodeArPreset,
  findMultiple, llamaMlpHidden, nullClassOf, headDimOf,
} from './config.ts';
export { type Run, positionRuns, tokenSpan, isRangeBoundary } from './layout.ts';
export { type RopeNodes, ropeAngles, ropeTables, ropeNodes, swapPairs, applyRope } from './rope-2d.ts';
export { passRows, passBias } from './pass-mask.ts';
export { type ArBlockParams, type LayerCache, arBlock } from './block.ts';
export { type ArParams, type RangeInputs, type ArModel, arModel } from './model.ts';
export { type ArBatch, type ArLossOptions, arLoss, arTrainDefaults } from './loss.ts';
export { emaUpdate } from '../../train/ema.ts';

/** The official DetailFlow models (PyTorch checkpoints) as configurations of this project's combinators. */
export {
  type OfficialTokenizerConfig, type TowerConfig, type TokenizerHints, type GptArgs,
  tokenizerConfigFromShapes, checkTokenizerConfig, arConfigOfGpt, releaseGptL, releaseTokenizerHints,
} from './config.ts';
export { officialTokenizer, resizePositions, towerStack, type OfficialTokenizer, type OfficialTokenizerParams, type Quantised } from './tokenizer.ts';
export { tokenizerKeys, gptKeys, droppedTokenizerKeys, type KeyEntry } from './keys.ts';
export { mapStateDict, type TensorSource, type SourceTensor, type Dropped } from './state-dict.ts';
export { storedSource, checkpointSource } from './sources.ts';
export { importTokenizer, importGpt, encodeOfficialTokenizer, encodeImportedGpt, exportOfficial, OFFICIAL_TOKENIZER_KIND, type Imported } from './import.ts';
export { decodeOfficialTokenizerFile, tokenizerSpecs } from './model-file.ts';
export { decodeTorchSafetensors, FixtureError, type TorchSafetensors } from './fixture-file.ts';
export { checkReference, type ReferenceOptions } from './reference.ts';
export { formatReport, toleranceOf, type OutputCheck, type ReferenceReport } from './compare.ts';
export { generateGreedy } from './ar-reference.ts';
export { parseFlatYaml, mergeConfigs, gptPresets } from './config-file.ts';
export { generateOfficial, decodeTokens, officialDecoder, type OfficialModels, type PassTiming } from './generate.ts';
export { reconstructOfficial, pictureInput, defaultPrefixes } from './reconstruct.ts';

/** Trained models: loading checkpoint bytes, decoding prefixes, generating coarse to fine. */
export { TOKENIZER_KIND, AR_KIND, decodeTokenizerFile, decodeArFile, type TokenizerModel, type ArModelFile } from './model-files.ts';
export { prefixDecoder, type PrefixDecoder } from './prefix-decoder.ts';
export { generator, type Generator, type Generation, type GenerateOptions, type Frame } from './generator.ts';
export { sampleGrid, progressiveStrip } from './pictures.ts';

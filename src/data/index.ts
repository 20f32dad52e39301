/** Platform-neutral datasets: IDX parsing, the Dataset value, synthetic data, resumable batch order. */
export { DataError } from './errors.ts';
export { decodeIdx, encodeIdx, parseIdx, type Idx, type IdxData } from './idx.ts';
export { fromIdx, fromIdxBytes, imageAt, makeDataset, subsetDataset, type Dataset, type IdxOptions } from './dataset.ts';
export {
  fashionMnistClasses, fashionMnistCounts, fashionMnistDefaultDir, fashionMnistFromBytes, fashionMnistHowToGet, fashionMnistSide,
  idxFileNames, type Split,
} from './fashion-mnist.ts';
export { syntheticClasses, syntheticDataset, syntheticImage, type SyntheticOptions } from './synthetic.ts';
export {
  advance, batchAt, batchAtCursor, batches, epochOrder, flipDecisions, flipHorizontal, flipKeyFor, normalizeCursor, startCursor,
  type Batch, type BatchOptions, type DataCursor, type StreamOptions,
} from './batches.ts';

/** Platform-neutral file formats: safetensors, PNG, image grids, (de)compression. */
export { ProblemsError, capProblems } from './problems.ts';
export {
  SafetensorsError, checkTensors, decodeSafetensors, encodeSafetensors, tryEncodeSafetensors,
  type ByteArray, type Safetensors, type StoredDType, type StoredTensor, type TensorSpec,
} from './safetensors.ts';
export { PngError, decodePng, encodePng, type Channels, type DecodeOptions, type EncodeOptions, type FilterType, type PngImage } from './png.ts';
export { imageGrid, imagesOfBatch, toByte, type FloatImage, type GridOptions } from './image-grid.ts';
export { compress, decompress, gunzip, isGzip, maybeGunzip, type CompressionFormat } from './streams.ts';
export { crc32 } from './crc32.ts';

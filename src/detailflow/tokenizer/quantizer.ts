/**
 * The quantiser's former home: the l2-normalised VQ now lives in quantizers/l2-vq.ts, next to the
 * Quantizer interface (quantizers/quantizer.ts) and FSQ (quantizers/fsq.ts). These re-exports
 * keep the old import path working.
 */
export { l2Normalize, initCodebook, quantize, nearNeighbourNoise, lookupCodes } from './quantizers/l2-vq.ts';
export type { Quantized } from './quantizers/quantizer.ts';

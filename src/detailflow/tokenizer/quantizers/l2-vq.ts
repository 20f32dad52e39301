import type { HostArray } from '../../../ir/host-array.ts';
import { GraphError } from '../../../ir/errors.ts';
import { isNode, type Node } from '../../../ir/node.ts';
import { hostInit } from '../../../nn/init.ts';
import type { Params } from '../../../nn/module.ts';
import {
  argmax, gather, matmul, mean, mT, mul, rsqrt, square, stopGradient, straightThrough, sub, sum, topk, maximum,
} from '../../../ops/index.ts';
import { uniformHost, type Key } from '../../../random/key.ts';
import { drawAmong, tokenRows, type Quantized, type Quantizer, type QuantizerParams } from './quantizer.ts';

/** Rows scaled to unit l2 norm (eps keeps zero rows finite). */
export const l2Normalize = (x: Node): Node => mul(x, rsqrt(maximum(sum(square(x), -1, true), 1e-12)));

/** Codebook initialised uniform(+-1/V) as the reference (it is normalised wherever it is used). */
export const initCodebook = (key: Key, size: number, dim: number): HostArray =>
  hostInit('codebook', [size, dim], (n) => uniformHost(key, n).map((u) => (2 * u - 1) / size));

/**
 * l2-normalised vector quantisation: z and the codebook rows are unit vectors, so the nearest
 * code by distance is the one with the largest cosine. The straight-through estimator passes
 * the gradient of the quantised value to z unchanged.
 */
export const quantize = (codebook: Node, zRaw: Node): Quantized => {
  const z = l2Normalize(zRaw);
  const book = l2Normalize(codebook);
  const similarity = matmul(z, mT(book));
  const indices = argmax(similarity, -1);
  const q = gather(book, indices);
  return {
    indices,
    codes: straightThrough(z, q),
    z,
    vqPerToken: mean(square(sub(q, stopGradient(z))), -1),
    commitPerToken: mean(square(sub(stopGradient(q), z)), -1),
    similarity,
  };
};

/**
 * For each token, a code drawn uniformly among its k nearest (it may be the nearest itself),
 * as the reference's top-k noise. Returns indices [...] and the unit code vectors.
 */
export const nearNeighbourNoise = (codebook: Node, similarity: Node, k: number, key: Node): { indices: Node; codes: Node } => {
  const indices = drawAmong(topk(similarity, k).indices, key);
  return { indices, codes: gather(l2Normalize(codebook), indices) };
};

/** Unit code vectors for given indices (decoding stored tokens). */
export const lookupCodes = (codebook: Node, indices: Node): Node => gather(l2Normalize(codebook), indices);

/** The codebook node of a VQ's parameters (refuses another quantiser's, e.g. FSQ's empty record). */
const codebookOf = (p: Params<QuantizerParams>): Node => {
  if (isNode(p)) return p;
  throw new GraphError('tree', 'l2VectorQuantizer', 'these quantiser parameters have no codebook (another quantiser\'s): load them with their own configuration');
};

/**
 * Today's quantiser as a part: a learnt codebook [codes, dim] (the tokenizer's `codebook`
 * tensor), l2-normalised; VQ + commitment losses; noise drawn among the top-k cosines.
 */
export const l2VectorQuantizer = (codes: number, dim: number): Quantizer => ({
  kind: 'vq',
  codes,
  dim,
  init: (key) => initCodebook(key, codes, dim),
  quantize: (p, z) => quantize(codebookOf(p), z),
  lookup: (p, indices) => lookupCodes(codebookOf(p), indices),
  noise: (p, q, k, key) => nearNeighbourNoise(codebookOf(p), stopGradient(q.similarity), k, key),
  ...tokenRows,
});

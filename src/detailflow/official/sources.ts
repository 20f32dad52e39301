/** Tensor sources for the key mapper: a fixture's stored tensors, or a PyTorch checkpoint's lazy ones. */
import * as E from 'fp-ts/lib/Either.js';
import type { HostArray } from '../../ir/host-array.ts';
import type { StoredTensor } from '../../io/safetensors.ts';
import { hostValues, type LazyTensor } from '../../io/pytorch/index.ts';
import type { SourceTensor } from './state-dict.ts';

/** The model's tensors of a safetensors file (everything not named fixture.*). */
export const storedSource = (tensors: ReadonlyMap<string, StoredTensor>): Map<string, SourceTensor> =>
  new Map([...tensors].filter(([k]) => !k.startsWith('fixture.')).map(([k, t]) => [k, {
    shape: t.shape,
    load: () => (t.dtype === 'uint8' ? E.left(`'${k}' is a byte tensor`) : E.right(t as HostArray)),
  }]));

export const checkpointSource = (sd: ReadonlyMap<string, LazyTensor>): Map<string, SourceTensor> =>
  new Map([...sd].map(([k, t]) => [k, { shape: t.shape, load: () => hostValues(t, k) }]));

import { isHostArray, type HostArray } from '../ir/host-array.ts';
import { isKey } from '../random/key.ts';
import { flatten, unflatten, type Tree } from '../tree/tree.ts';
import { defaultBackend, isOnnxBackend, parseBackendName, useBackend, type BackendName } from './backend.ts';
import { DeviceArray, isDeviceArray } from './device-array.ts';
import { onnxEngine } from './onnx/engine.ts';
import { uploadHost } from './tensor-buffer.ts';

/** A host tree with its arrays on a device (what devicePut returns). */
export type OnDevice<T> = T extends HostArray | DeviceArray ? DeviceArray
  : T extends readonly unknown[] ? { readonly [K in keyof T]: OnDevice<T[K]> }
  : T extends object ? { readonly [K in keyof T]: OnDevice<T[K]> } : T;

/** A tree whose arrays may be on the host or already on a device (compiled calls take either). */
export type HostOrDevice<T> = T | OnDevice<T>;

/**
 * Puts a tree's host arrays on a backend once (JAX's device_put), for parameters that many calls
 * read; device arrays already there are kept as they are. The executor owns the copies: they are
 * freed when the returned tree is collected, or when a call they are donated to has run.
 */
export const devicePut = async <T>(tree: T, opts: { readonly backend?: BackendName | string } = {}): Promise<OnDevice<T>> => {
  const backend = opts.backend === undefined ? await defaultBackend() : parseBackendName(opts.backend);
  await useBackend(backend);
  const isLeaf = (x: unknown): x is HostArray | DeviceArray | number => isHostArray(x) || isDeviceArray(x) || isKey(x) || typeof x === 'number';
  const { leaves, def } = flatten(tree as Tree<HostArray | DeviceArray | number>, isLeaf, 'array');
  const engine = isOnnxBackend(backend) ? onnxEngine() : undefined;
  const up = (h: HostArray): DeviceArray => (engine ? new DeviceArray(engine.upload(h), backend) : uploadHost(h, backend));
  const put = leaves.map((l) => (isHostArray(l) ? up(l) : l));
  return unflatten(def, put) as OnDevice<T>;
};

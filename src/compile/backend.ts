import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, OnnxBackendName, TfBackendName } from '../primitives/attrs.ts';
import { GraphError } from '../ir/errors.ts';
import { onnxEngine, providerOf } from './onnx/engine.ts';

export type { BackendName, OnnxBackendName, TfBackendName };
export const backendNames: readonly BackendName[] = ['webgpu', 'wasm', 'cpu', 'onnx-cpu', 'onnx-webgpu'];

/** Backends that run a whole plan as one ONNX model on ONNX Runtime, not op by op on tfjs. */
export const isOnnxBackend = (name: BackendName): name is OnnxBackendName => name === 'onnx-cpu' || name === 'onnx-webgpu';

export const parseBackendName = (name: string): BackendName => {
  if ((backendNames as readonly string[]).includes(name)) return name as BackendName;
  throw new GraphError('backend', 'backend', `unknown backend '${name}'; choose one of ${backendNames.join(', ')}`);
};

interface AdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { readonly isFallbackAdapter?: boolean; readonly architecture?: string; readonly description?: string; readonly device?: string };
}

const gpu = (): { requestAdapter(): Promise<AdapterLike | null> } | undefined =>
  (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<AdapterLike | null> } } }).navigator?.gpu;

/** A CPU-emulated WebGPU adapter (Mesa lavapipe/llvmpipe, SwiftShader): correct, but slower than wasm. */
export const isSoftwareAdapter = (a: AdapterLike): boolean =>
  Boolean(a.isFallbackAdapter || a.info?.isFallbackAdapter || a.info?.architecture === 'software'
    || /llvmpipe|lavapipe|swiftshader/i.test(`${a.info?.description ?? ''} ${a.info?.device ?? ''}`));

const loaded = new Map<BackendName, Promise<void>>();

// Backend modules register themselves on import; webgpu's checks navigator.gpu at that moment,
// so it is imported only once a WebGPU implementation is present (in Node: installNodeWebGPU()).
const load = (name: BackendName): Promise<void> => {
  const existing = loaded.get(name);
  if (existing) return existing;
  const p = (async () => {
    if (isOnnxBackend(name)) {
      const engine = onnxEngine();
      if (!engine) {
        throw new GraphError('backend', name, 'ONNX Runtime is not installed in this process: in Node call installOnnxRuntime() from detailflow/node first (the CLI does), or use --backend wasm');
      }
      const problem = await engine.probe(providerOf(name));
      if (problem) throw new GraphError('backend', name, `${problem}; use --backend onnx-cpu or wasm`);
      return;
    }
    if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
    else if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    else {
      if (!gpu()) {
        throw new GraphError('backend', 'webgpu', 'no WebGPU implementation here (navigator.gpu is missing); in Node call installNodeWebGPU() from detailflow/platform/node first, or use --backend wasm');
      }
      await import('@tensorflow/tfjs-backend-webgpu');
    }
    if (!tf.findBackendFactory(name)) throw new GraphError('backend', name, `the ${name} backend did not register`);
    const ok = await tf.setBackend(name);
    // tfjs-cpu advertises tfjs-node on its first write in Node; that advice does not apply here
    if (name === 'cpu') Object.assign(tf.findBackend('cpu') ?? {}, { firstUse: false });
    if (!ok) {
      throw new GraphError('backend', name, name === 'webgpu'
        ? 'no WebGPU adapter could be created; on Linux without a GPU install Mesa lavapipe (apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1)'
        : `the ${name} backend failed to initialise`);
    }
  })();
  loaded.set(name, p);
  p.catch(() => loaded.delete(name));
  return p;
};

/** Initialises a backend once and makes it the active one; later calls switch synchronously. */
export const useBackend = async (name: BackendName): Promise<void> => {
  await load(name);
  activate(name);
};

/** Switches to an already initialised backend without awaiting. */
export const activate = (name: BackendName): void => {
  // ONNX Runtime sessions need no active tfjs backend
  if (isOnnxBackend(name)) return;
  if (tf.getBackend() !== name) void tf.setBackend(name);
  if (tf.getBackend() !== name) throw new GraphError('backend', name, `could not switch to ${name}; call useBackend('${name}') first`);
};

export const backendAvailable = async (name: BackendName): Promise<{ ok: true } | { ok: false; error: string }> => {
  try {
    await load(name);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
};

let preferred: BackendName | undefined;

/**
 * Sets the backend `defaultBackend()` returns when the caller names none. The library reads no
 * environment: entry points do (the CLI sets this from DETAILFLOW_BACKEND, see
 * compile/backend-env.ts). `undefined` goes back to choosing by adapter.
 */
/** The backend set with preferBackend, if any (entry points use it to skip probing for an adapter). */
export const preferredBackend = (): BackendName | undefined => preferred;

export const preferBackend = (name: BackendName | undefined): void => {
  preferred = name;
};

/**
 * What the default is chosen for. Inference (the default) is short: a few calls of each plan,
 * where ONNX Runtime's session creation and first runs cost more than they save. Training runs
 * the same few plans thousands of times, where onnx-cpu's whole-graph sessions win (see the
 * README's `bench train`).
 */
export type Workload = 'inference' | 'training';

/**
 * `prefer` (by default the one set with preferBackend) if any; else webgpu when a hardware
 * adapter exists; else, for training, onnx-cpu when ONNX Runtime is installed; else wasm. A
 * software adapter (lavapipe, SwiftShader) runs WebGPU correctly but about 7x slower than wasm
 * on the same CPU, so it is used only when asked for.
 */
export const defaultBackend = async (
  { prefer = preferred, workload = 'inference' }: { readonly prefer?: BackendName; readonly workload?: Workload } = {},
): Promise<BackendName> => {
  if (prefer) return prefer;
  const g = gpu();
  if (g) {
    try {
      const a = await g.requestAdapter();
      if (a && !isSoftwareAdapter(a)) return 'webgpu';
    } catch { /* no adapter: fall through */ }
  }
  return workload === 'training' && onnxEngine() ? 'onnx-cpu' : 'wasm';
};

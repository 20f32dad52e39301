/**
 * The page's backend, chosen as the CLI chooses (compile/backend.ts, defaultBackend): WebGPU on a
 * hardware adapter; on a software one (SwiftShader, llvmpipe, lavapipe, WARP), which runs WebGPU
 * correctly but far slower than WebAssembly on the same CPU, wasm, saying which adapter it
 * passed over. Without an adapter it falls back to wasm and says why; without WebAssembly SIMD
 * either, it says what is missing. The other backend stays one click away (see `alternative`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { isSoftwareAdapter, useBackend } from '../src/compile/backend.ts';
import type { BackendRequest } from './settings.ts';
import { navigatorGpu, type GpuAdapter, type GpuAdapterInfo, type GpuDevice } from './webgpu-types.ts';

export type PageBackend = 'webgpu' | 'wasm';

/** What the page knows of the WebGPU adapter. */
export interface AdapterFacts {
  readonly name: string;
  readonly software: boolean;
}

export type BackendChoice =
  | { readonly ok: true; readonly backend: PageBackend; readonly adapter?: AdapterFacts; readonly simd: boolean; readonly notice?: string }
  | { readonly ok: false; readonly error: string };

// The smallest module using a SIMD instruction (i8x16.splat ... as in wasm-feature-detect).
const simdProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export const hasWasmSimd = (): boolean => {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(simdProbe);
  } catch {
    return false;
  }
};

/**
 * The library's test (isFallbackAdapter, architecture 'software', a software driver's name in the
 * description), plus the names browsers put in vendor and architecture: Chromium reports
 * SwiftShader as vendor 'google', architecture 'swiftshader'; Windows' WARP is the
 * 'Microsoft Basic Render Driver'.
 */
export const softwareAdapter = (info: GpuAdapterInfo, isFallbackAdapter?: boolean): boolean =>
  isSoftwareAdapter({ isFallbackAdapter, info })
  || /swiftshader|llvmpipe|lavapipe|microsoft basic render/i.test([info.vendor, info.architecture, info.description, info.device].join(' '));

export const adapterName = (info: GpuAdapterInfo): string =>
  [info.description, info.vendor, info.architecture].filter((s) => s).join(' ') || 'unnamed adapter';

/** `adapter.info`, or the older `requestAdapterInfo()` where a browser has only that. */
const infoOf = async (a: GpuAdapter): Promise<GpuAdapterInfo> => {
  if (a.info) return a.info;
  try {
    return (await a.requestAdapterInfo?.()) ?? {};
  } catch {
    return {};
  }
};

const findAdapter = async (): Promise<{ adapter?: AdapterFacts; why: string }> => {
  const gpu = navigatorGpu();
  if (!gpu) return { why: window.isSecureContext ? 'this browser has no WebGPU (navigator.gpu is missing)' : 'WebGPU needs a secure context (https or localhost)' };
  try {
    // the preference tfjs asks for, so that this is the adapter it will get
    const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!a) return { why: 'the browser offers no WebGPU adapter (requestAdapter returned null: WebGPU disabled or no usable GPU)' };
    const info = await infoOf(a);
    return { adapter: { name: adapterName(info), software: softwareAdapter(info, a.isFallbackAdapter) }, why: '' };
  } catch (e) {
    return { why: `requesting a WebGPU adapter failed: ${e instanceof Error ? e.message : String(e)}` };
  }
};

/** Pure: the backend for a request, given the adapter found (or why there is none) and wasm SIMD. */
export const decideBackend = (request: BackendRequest, found: { readonly adapter?: AdapterFacts; readonly why: string }, simd: boolean): BackendChoice => {
  const { adapter, why } = found;
  const noSimd = 'WebAssembly SIMD is not available either; use a current Chrome, Edge, Firefox or Safari';
  const wasm = (notice?: string): BackendChoice => ({ ok: true, backend: 'wasm', ...(adapter ? { adapter } : {}), simd, ...(notice ? { notice } : {}) });
  if (request === 'wasm') return simd ? wasm('WebAssembly was asked for in the address (?backend=wasm).') : { ok: false, error: `wasm was asked for, but ${noSimd}` };
  if (adapter && (request === 'webgpu' || !adapter.software || !simd)) return { ok: true, backend: 'webgpu', adapter, simd };
  if (adapter) return wasm();
  if (request === 'webgpu') return { ok: false, error: `WebGPU was asked for (?backend=webgpu), but ${why}` };
  if (!simd) return { ok: false, error: `This page cannot run here: ${why}, and ${noSimd}.` };
  return wasm(`No WebGPU: ${why}. Falling back to WebAssembly (wasm) on the CPU.`);
};

export const chooseBackend = async (request: BackendRequest): Promise<BackendChoice> =>
  decideBackend(request, await findAdapter(), hasWasmSimd());

/** The backend one click away from `current`, if this browser has it. */
export const alternative = (current: PageBackend, adapter: AdapterFacts | undefined, simd: boolean): PageBackend | undefined =>
  current === 'wasm' ? (adapter ? 'webgpu' : undefined) : (simd ? 'wasm' : undefined);

/** The one short line next to the backend's name: which adapter, and why it is (not) used. */
export const backendLine = (current: PageBackend, adapter: AdapterFacts | undefined, simd: boolean): string => {
  if (!adapter) return '';
  if (current === 'webgpu') return `(${adapter.name}${adapter.software ? `: a software adapter, ${simd ? 'slower here than wasm' : 'correct but slower than a GPU'}` : ''})`;
  return adapter.software ? `(the WebGPU adapter, ${adapter.name}, is a software one: wasm is faster here)` : `(WebGPU adapter: ${adapter.name})`;
};

/**
 * Whether a generation compiles WebGPU shaders: tfjs compiles each WebGPU program the first time
 * it runs on the device, so the page's first finished WebGPU generation compiles them and later
 * ones reuse them. wasm compiles none.
 */
export const shaderCompilation = (): { compiles(backend: PageBackend): boolean; finished(backend: PageBackend): void } => {
  let compiled = false;
  return {
    compiles: (backend) => backend === 'webgpu' && !compiled,
    finished: (backend) => { if (backend === 'webgpu') compiled = true; },
  };
};

/**
 * Starts a backend. The wasm binaries are served next to the page (wasm/), and tfjs must be told
 * so before it starts. Returns the WebGPU device, for the guard.
 */
export const startBackend = async (backend: PageBackend, pageUrl: string): Promise<GpuDevice | undefined> => {
  if (backend === 'wasm') {
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(new URL('wasm/', pageUrl).href);
    await useBackend('wasm');
    return undefined;
  }
  await useBackend('webgpu');
  const device = (tf.backend() as unknown as { device?: GpuDevice }).device;
  if (!device) throw new Error('the webgpu backend started without a device');
  return device;
};

/**
 * The page's backend: WebGPU whenever the browser offers an adapter, software ones (SwiftShader)
 * included, since running on WebGPU is the point of the page (the library's defaultBackend
 * prefers wasm on software adapters; the page does not use it). Without an adapter it falls back
 * to WebAssembly and says so; without WebAssembly SIMD either, it says what is missing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isSoftwareAdapter, useBackend } from '../src/compile/backend.ts';
import type { BackendRequest } from './settings.ts';
import { navigatorGpu, type GpuAdapter, type GpuDevice } from './webgpu-types.ts';

export type BackendChoice =
  | { readonly ok: true; readonly backend: 'webgpu'; readonly adapter: string; readonly software: boolean }
  | { readonly ok: true; readonly backend: 'wasm'; readonly notice?: string }
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

const adapterName = (a: GpuAdapter): string => {
  const i = a.info ?? {};
  return [i.description, i.vendor, i.architecture].filter((s) => s).join(' ') || 'unnamed adapter';
};

const findAdapter = async (): Promise<{ adapter?: GpuAdapter; why: string }> => {
  const gpu = navigatorGpu();
  if (!gpu) return { why: window.isSecureContext ? 'this browser has no WebGPU (navigator.gpu is missing)' : 'WebGPU needs a secure context (https or localhost)' };
  try {
    // the preference tfjs asks for, so that this is the adapter it will get
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? { adapter, why: '' } : { why: 'the browser offers no WebGPU adapter (requestAdapter returned null: WebGPU disabled or no usable GPU)' };
  } catch (e) {
    return { why: `requesting a WebGPU adapter failed: ${e instanceof Error ? e.message : String(e)}` };
  }
};

export const chooseBackend = async (request: BackendRequest): Promise<BackendChoice> => {
  const simd = hasWasmSimd();
  const noSimd = 'WebAssembly SIMD is not available either; use a current Chrome, Edge, Firefox or Safari';
  if (request === 'wasm') return simd ? { ok: true, backend: 'wasm', notice: 'WebAssembly was asked for in the address (?backend=wasm).' } : { ok: false, error: `wasm was asked for, but ${noSimd}` };
  const { adapter, why } = await findAdapter();
  if (adapter) return { ok: true, backend: 'webgpu', adapter: adapterName(adapter), software: isSoftwareAdapter(adapter) };
  if (request === 'webgpu') return { ok: false, error: `WebGPU was asked for (?backend=webgpu), but ${why}` };
  if (!simd) return { ok: false, error: `This page cannot run here: ${why}, and ${noSimd}.` };
  return { ok: true, backend: 'wasm', notice: `No WebGPU: ${why}. Falling back to WebAssembly (wasm) on the CPU.` };
};

/**
 * Starts the chosen backend. The wasm binaries are served next to the page (wasm/), and tfjs
 * must be told so before it starts. Returns the WebGPU device, for the guard.
 */
export const startBackend = async (backend: 'webgpu' | 'wasm', pageUrl: string): Promise<GpuDevice | undefined> => {
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

/**
 * Node-only edge module: gives Node a WebGPU `navigator.gpu` from Dawn (the npm package `webgpu`),
 * which the tfjs webgpu backend looks for. Browsers and Deno have their own `navigator.gpu`, so
 * there the Dawn import is skipped. The DSL core never imports this; entry points (CLI, tests,
 * examples) call it once before selecting the webgpu backend.
 */
import { ensureXdgRuntimeDir } from './xdg-runtime-dir.ts';

export interface WebGPUInstall {
  readonly ok: boolean;
  /** The adapter's description, e.g. "llvmpipe: Mesa 25.0.7 ..." for lavapipe. */
  readonly adapter?: string;
  readonly error?: string;
}

interface AdapterInfoLike {
  readonly description?: string;
  readonly device?: string;
  readonly vendor?: string;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<{ readonly info?: AdapterInfoLike } | null>;
}

export const NO_ADAPTER_HINT =
  'no WebGPU adapter: Dawn found no usable Vulkan driver. On Debian bookworm install Mesa 25 lavapipe from ' +
  'bookworm-backports: `bash .ci/install-system` (or `apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`); ' +
  "bookworm's own Mesa 22 is too old for Dawn.";

let pending: Promise<WebGPUInstall> | undefined;

/** Installs Dawn's WebGPU into the globals if absent and reports the adapter. Idempotent; never throws. */
export async function installNodeWebGPU(): Promise<WebGPUInstall> {
  pending ??= install();
  return pending;
}

async function install(): Promise<WebGPUInstall> {
  try {
    if (!currentGpu()) {
      ensureXdgRuntimeDir();
      const { create, globals } = await import('webgpu');
      // tfjs reads GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
      Object.assign(globalThis, globals);
      defineNavigatorGpu(globalThis, create([]));
    }
    const gpu = currentGpu();
    if (!gpu) return { ok: false, error: 'navigator.gpu is still missing after installing Dawn' };
    // The same preference tfjs-backend-webgpu asks for, so we report the adapter it will get.
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { ok: false, error: NO_ADAPTER_HINT };
    const info = adapter.info;
    return { ok: true, adapter: info?.description || info?.device || info?.vendor || 'unnamed adapter' };
  } catch (e) {
    return { ok: false, error: `WebGPU unavailable: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function currentGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu ?? undefined;
}

/**
 * Puts `gpu` on `scope.navigator`. Node 20 has no navigator; Node 21+ has one behind a getter on
 * globalThis, so plain assignment is not reliable. Keep an existing navigator (userAgent,
 * hardwareConcurrency) and add `gpu` to it; otherwise define a fresh one.
 */
export function defineNavigatorGpu(scope: object, gpu: unknown): void {
  const nav: unknown = Reflect.get(scope, 'navigator');
  if (nav !== null && typeof nav === 'object' && Object.isExtensible(nav)) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, enumerable: true, writable: true });
    return;
  }
  Object.defineProperty(scope, 'navigator', { value: { gpu }, configurable: true, enumerable: true, writable: true });
}

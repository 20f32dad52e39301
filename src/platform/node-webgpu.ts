/**
 * Node-only edge module: gives Node a WebGPU `navigator.gpu` from Dawn (the npm package `webgpu`),
 * which the tfjs webgpu backend looks for. Browsers and Deno have their own `navigator.gpu`, so
 * there the Dawn import is skipped. The DSL core never imports this; entry points (CLI, tests,
 * examples) call it once before selecting the webgpu backend.
 *
 * Dawn is loaded only for WebGPU: installNodeWebGPU when WebGPU is chosen (or probed on purpose,
 * as `doctor` does), installHardwareWebGPU when no backend is chosen. Dawn's native code prints
 * its warnings to file descriptor 2 itself; in this process they cannot be filtered, only avoided
 * by not loading Dawn, which is why the default path asks a quiet child process first (and the
 * CLI runs a command that loads Dawn on purpose in a child whose stderr it filters: cli/quiet-dawn.ts).
 */
import { isSoftwareAdapter } from '../compile/backend.ts';
import { probeWebGPU } from './webgpu-probe.ts';
import { ensureXdgRuntimeDir } from './xdg-runtime-dir.ts';

export { DAWN_HARMLESS_WARNING, gpuDeviceNodes, probeWebGPU, type ProbedAdapter, type WebGPUProbe } from './webgpu-probe.ts';
// the package's Node entry (detailflow/node) also installs ONNX Runtime for onnx-cpu; the binding itself loads only then
export { installOnnxRuntime, type OnnxInstall, type OnnxRuntimeOptions } from './onnx-node.ts';

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

/**
 * For the default backend: installs Dawn as installNodeWebGPU does, but only when a quiet probe
 * (webgpu-probe.ts) finds a hardware adapter, the only kind the default picks; otherwise Dawn is
 * not loaded and the result says why. Never throws.
 */
export async function installHardwareWebGPU(): Promise<WebGPUInstall> {
  if (currentGpu()) return installNodeWebGPU();
  const probe = await probeWebGPU();
  if (!probe.found) return { ok: false, error: probe.why };
  if (isSoftwareAdapter(probe.adapter)) {
    const info = probe.adapter.info;
    return { ok: false, error: `only a software adapter (${info?.description || info?.device || 'unnamed'}), slower than wasm` };
  }
  return installNodeWebGPU();
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

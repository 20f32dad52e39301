/**
 * Makes WebGPU faults visible. tfjs neither watches for device loss nor uses error scopes, so an
 * invalid shader, an oversized buffer or a lost device would otherwise show up as a black or
 * noisy picture. The guard catches every error raised between checkpoints (error scopes around
 * the work, popped before each frame is shown) and reports loss and stray errors as they happen.
 */
import type { GpuDevice, GpuErrorFilter, GpuLimits } from './webgpu-types.ts';
import type { Fault } from './settings.ts';

export class GpuFault extends Error {
  override readonly name = 'GpuFault';
}

export interface GpuGuard {
  /** Runs `work` inside error scopes; `checkpoint` throws a GpuFault naming any error so far. */
  watch<T>(work: (checkpoint: () => Promise<void>) => Promise<T>): Promise<T>;
  /** Why the device was lost, once it was. */
  readonly lost: string | undefined;
  /** Injects a fault (for testing that it is reported). */
  inject(fault: Fault): void;
}

const filters: readonly GpuErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

const describe = (e: { message: string; constructor: { name: string } }): string =>
  `WebGPU ${e.constructor.name.replace(/^GPU/, '').replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() || 'unknown'} error: ${e.message.trim().replace(/\n\s*\n/g, '\n')}`;

/** `report` gets loss (fatal: the page must be reloaded) and errors raised outside the watched work. */
export const gpuGuard = (device: GpuDevice, report: (message: string, fatal: boolean) => void): GpuGuard => {
  let lost: string | undefined;
  void device.lost.then((info) => {
    lost = `the WebGPU device was lost (${info.reason || 'unknown reason'}${info.message ? `: ${info.message}` : ''}); reload the page to start again`;
    report(lost, true);
  });
  // errors outside any scope (e.g. while the backend starts)
  device.addEventListener('uncapturederror', (ev) => report(describe((ev as Event & { error: { message: string; constructor: { name: string } } }).error), false));

  const pop = async (): Promise<string[]> => {
    const errors: string[] = [];
    for (let i = 0; i < filters.length; i++) {
      const e = await device.popErrorScope();
      if (e) errors.push(describe(e));
    }
    return errors;
  };
  const push = (): void => [...filters].reverse().forEach((f) => device.pushErrorScope(f));

  return {
    get lost() { return lost; },
    watch: async (work) => {
      push();
      let open = true;
      const checkpoint = async (): Promise<void> => {
        open = false;
        const errors = await pop();
        if (lost) throw new GpuFault(lost);
        if (errors.length) throw new GpuFault(errors.join('; '));
        push();
        open = true;
      };
      try {
        const result = await work(checkpoint);
        await checkpoint();
        return result;
      } finally {
        if (open) await pop();
      }
    },
    inject: (fault) => {
      if (fault === 'invalid-shader') device.createShaderModule({ code: 'this is not WGSL' });
      if (fault === 'device-loss') device.destroy();
    },
  };
};

/**
 * The weights go to the device one tensor per buffer, each bound whole as a storage buffer: the
 * largest must fit both limits. (Activations here are far smaller than the weights.)
 */
export const limitProblems = (limits: GpuLimits, largest: { name: string; bytes: number }): string[] => {
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
  return (['maxStorageBufferBindingSize', 'maxBufferSize'] as const)
    .filter((k) => largest.bytes > limits[k])
    .map((k) => `the model's largest tensor (${largest.name}, ${mib(largest.bytes)}) exceeds this device's ${k} (${mib(limits[k])}); add ?backend=wasm to the address to run on WebAssembly instead`);
};

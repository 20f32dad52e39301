/**
 * Node-only: finds out which WebGPU adapter Dawn would give, without loading Dawn into this
 * process. The default backend is WebGPU only on a hardware adapter, so every command that is not
 * told a backend has to ask; loading Dawn to ask costs time and, on lavapipe, prints two warnings
 * from native code straight to file descriptor 2, where no JavaScript can filter them. So:
 *
 * - on Linux a hardware Vulkan driver needs a GPU device node (/dev/dri/renderD*, /dev/nvidia*,
 *   or /dev/dxg under WSL); with none there is nothing to find and nothing is started;
 * - otherwise a child Node process loads Dawn, asks for the adapter and prints what it got; its
 *   stderr is captured, so the warnings never reach the user (about half a second, paid only
 *   on a machine with a GPU device node, or on macOS and Windows).
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ensureXdgRuntimeDir } from './xdg-runtime-dir.ts';

/** What the probe reports of the adapter: the fields isSoftwareAdapter (compile/backend.ts) reads. */
export interface ProbedAdapter {
  readonly isFallbackAdapter?: boolean;
  readonly info?: {
    readonly isFallbackAdapter?: boolean;
    readonly architecture?: string;
    readonly description?: string;
    readonly device?: string;
    readonly vendor?: string;
  };
}

export type WebGPUProbe =
  | { readonly found: true; readonly adapter: ProbedAdapter }
  | { readonly found: false; readonly why: string };

/**
 * Dawn's limit clamps, printed on every adapter it creates over lavapipe (which advertises
 * 1,000,000 dynamic buffers). They say nothing about this program, so the probe drops them.
 */
export const DAWN_HARMLESS_WARNING = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced/;

/** The GPU device nodes under `dev` through which a Linux hardware driver is reached. */
export function gpuDeviceNodes(dev = '/dev'): string[] {
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  return [
    ...list(`${dev}/dri`).filter((n) => n.startsWith('renderD')).map((n) => `${dev}/dri/${n}`),
    ...list(dev).filter((n) => /^nvidia\d+$/.test(n) || n === 'dxg').map((n) => `${dev}/${n}`),
  ];
}

// Runs in the child: argv[1] is the URL of the webgpu package's entry.
const CHILD = `
const { create } = await import(process.argv[1]);
const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const i = a?.info ?? {};
const info = { isFallbackAdapter: i.isFallbackAdapter, architecture: i.architecture, description: i.description, device: i.device, vendor: i.vendor };
process.stdout.write(JSON.stringify(a ? { isFallbackAdapter: a.isFallbackAdapter, info } : null), () => process.exit(0));
`;

let pending: Promise<WebGPUProbe> | undefined;

/** The adapter Dawn would give this process, asked in a child process; memoised, never throws. */
// `platform` is a plain string (process.platform's values) so the public .d.ts needs no @types/node.
export function probeWebGPU(opts: { readonly platform?: string; readonly dev?: string; readonly timeoutMs?: number } = {}): Promise<WebGPUProbe> {
  if (opts.platform !== undefined || opts.dev !== undefined) return probe(opts.platform ?? process.platform, opts.dev, opts.timeoutMs);
  pending ??= probe(process.platform, undefined, opts.timeoutMs);
  return pending;
}

async function probe(platform: string, dev: string | undefined, timeoutMs = 15_000): Promise<WebGPUProbe> {
  if (platform === 'linux' && gpuDeviceNodes(dev).length === 0) {
    return { found: false, why: 'no GPU device node (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg), so no hardware adapter' };
  }
  let entry: string;
  try {
    entry = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch (e) {
    return { found: false, why: `the webgpu package is not installed (${(e as Error).message})` };
  }
  ensureXdgRuntimeDir();
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', CHILD, entry], { timeout: timeoutMs, env: process.env }, (err, stdout, stderr) => {
      const said = stderr.split('\n').filter((l) => l.trim() && !DAWN_HARMLESS_WARNING.test(l)).join('; ');
      if (err) return resolve({ found: false, why: `the WebGPU probe failed (${err.killed ? 'timed out' : err.message.split('\n')[0]})${said ? `: ${said}` : ''}` });
      try {
        const adapter = JSON.parse(stdout) as ProbedAdapter | null;
        resolve(adapter ? { found: true, adapter } : { found: false, why: `Dawn found no adapter${said ? `: ${said}` : ''}` });
      } catch {
        resolve({ found: false, why: `the WebGPU probe printed no adapter: ${stdout.slice(0, 200)}` });
      }
    });
  });
}

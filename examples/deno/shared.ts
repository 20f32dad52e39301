/**
 * What the Deno examples share: flags from Deno.args, the backend (Deno's own WebGPU by
 * default: it has navigator.gpu, no Dawn needed), and file writes. The library is imported
 * through the package's entry point exactly as under Node; Deno resolves `detailflow` and its
 * npm dependencies from package.json and node_modules, so nothing is downloaded.
 */
import { io, parseBackendName, useBackend, type BackendName } from 'detailflow';

/** The part of Deno's API the examples use (typed here so that tsc, which knows Node only, checks them too). */
interface DenoApi {
  readonly args: readonly string[];
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  cwd(): string;
}
export const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

/** `--name value` (or `--name` alone, read as 'true') from Deno.args. */
export const flags = (known: readonly string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  const args = deno.args;
  for (let i = 0; i < args.length; i++) {
    const name = args[i].replace(/^--/, '');
    if (!args[i].startsWith('--') || !known.includes(name)) throw new Error(`unknown argument '${args[i]}'; known: ${known.map((k) => `--${k}`).join(' ')}`);
    out[name] = args[i + 1] !== undefined && !args[i + 1].startsWith('--') ? args[++i] : 'true';
  }
  return out;
};

export { parseClasses, positiveInt } from '../shared/flag-values.ts';

/** --backend, default webgpu (Deno's navigator.gpu). */
export const pickBackend = async (flag?: string): Promise<BackendName> => {
  const backend = parseBackendName(flag ?? 'webgpu');
  await useBackend(backend);
  return backend;
};

export const writePng = async (dir: string, name: string, png: io.PngImage): Promise<string> => {
  await deno.mkdir(dir, { recursive: true });
  const file = `${dir}/${name}`;
  await deno.writeFile(file, await io.encodePng(png));
  return file.startsWith('/') ? file : `${deno.cwd()}/${file}`;
};

import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Node-only. Mesa and the Vulkan loader complain when XDG_RUNTIME_DIR is unset (usual in
 * containers and CI), so point it at a private temporary folder unless it is already set.
 * Must run before Dawn creates its Vulkan instance: the loader reads the variable then.
 */
export function ensureXdgRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const existing = env['XDG_RUNTIME_DIR'];
  if (existing) return existing;
  const dir = join(tmpdir(), `detailflow-xdg-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  env['XDG_RUNTIME_DIR'] = dir;
  return dir;
}

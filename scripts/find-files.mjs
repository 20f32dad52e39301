// Lists files for the scripts (Node 20's --test expands no globs): repo-relative, '/'-separated, sorted.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Files under `dir` (relative to the repo root) whose names end with `suffix`. */
export function findFiles(dir, suffix) {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(root.length).split('\\').join('/'))
    .filter((f) => !f.split('/').includes('node_modules'))
    .sort();
}

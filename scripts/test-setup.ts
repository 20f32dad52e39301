// Imported into every test process (node --import): pins fast-check so CI runs are reproducible,
// gives the Vulkan loader an XDG_RUNTIME_DIR before any test creates a WebGPU adapter, and makes
// DETAILFLOW_BACKEND the default backend, as the CLI does (the library reads no environment).
// FC_SEED and FC_NUM_RUNS override the defaults; a failing property prints its seed and path.
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureXdgRuntimeDir } from '../src/platform/xdg-runtime-dir.ts';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`test-setup: ${name} must be an integer, got '${raw}'`);
  return n;
}

// includeErrorInReport: a failing property shows the assertion's message, not only the counterexample
fc.configureGlobal({ seed: intFromEnv('FC_SEED', 20250527), numRuns: intFromEnv('FC_NUM_RUNS', 50), includeErrorInReport: true });
ensureXdgRuntimeDir(); // before TMPDIR moves: the Vulkan folder is shared and kept

// Every test process gets a private temp directory (child processes inherit it through TMPDIR).
// Whatever a test leaves there fails the process at exit, naming it, and is removed.
const privateTmp = mkdtempSync(join(tmpdir(), 'detailflow-test-'));
process.env['TMPDIR'] = privateTmp;
// tsx keeps its compile cache there for the child processes tests start: a tool's, not a test's
const toolCache = /^tsx-\d+$/;
process.on('exit', () => {
  const left = readdirSync(privateTmp).filter((name) => !toolCache.test(name));
  rmSync(privateTmp, { recursive: true, force: true });
  if (left.length === 0) return;
  process.stderr.write(`test-setup: the tests left ${left.join(', ')} in the temp directory; remove them (test/helpers/temp-dir.ts does)\n`);
  process.exitCode = 1;
});

if (process.env['DETAILFLOW_BACKEND']) {
  // imported only when set, so a test process that never touches tfjs does not load it
  const { preferBackend } = await import('../src/compile/backend.ts');
  const { backendFromEnv } = await import('../src/compile/backend-env.ts');
  preferBackend(backendFromEnv(process.env));
}

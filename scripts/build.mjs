#!/usr/bin/env node
// `npm run build`: compiles src/ into dist/ (JavaScript and .d.ts) for the published package.
//
// It runs from `prepack` (so `npm pack`, `npm publish` and git installs build first), not from
// `prepare`: `npm install`/`npm ci` in a checkout then stays fast and offline-safe, and nothing in
// the repository reads dist/ (bin/detailflow.mjs, the tests and the examples run the TypeScript
// source), so a stale dist/ can never be what a developer is testing.
//
// tsc's rewriteRelativeImportExtensions turns the source's `./x.ts` imports into `./x.js`, but
// only in JavaScript; the .d.ts keep `./x.ts`, which a consumer's tsc resolves only with
// allowImportingTsExtensions, so they are rewritten here. The wasm kernels are embedded as
// base64 in a .ts module and need nothing; the data-parallel worker entry is plain .mjs that
// registers tsx for the source, so dist/ gets its own entry that imports the compiled module.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { root } from './find-files.mjs';

const dist = path.join(root, 'dist');
const started = performance.now();

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`build: tsc -p tsconfig.build.json failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}

// `from './x.ts'`, `import('./x.ts')` and `import './x.ts'` with a relative path.
const tsSpecifier = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g;
let declarations = 0;
for (const e of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!e.isFile() || !e.name.endsWith('.d.ts')) continue;
  const file = path.join(e.parentPath ?? e.path, e.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(tsSpecifier, '$1$2$3.js$2');
  if (fixed !== text) {
    writeFileSync(file, fixed);
    declarations++;
  }
}

writeFileSync(path.join(dist, 'platform/workers/replica-worker.mjs'),
  '// The data-parallel worker thread\'s entry in the built package (written by scripts/build.mjs).\n' +
  "await import('./replica-entry.js');\n");

const needed = ['index.js', 'index.d.ts', 'platform/node-webgpu.js', 'platform/node-webgpu.d.ts', 'cli/main.js', 'platform/workers/replica-entry.js'];
const missing = needed.filter((f) => !existsSync(path.join(dist, f)));
if (missing.length) {
  console.error(`build: dist/ lacks ${missing.join(', ')}`);
  process.exit(1);
}
console.log(`build: dist/ written in ${((performance.now() - started) / 1000).toFixed(1)} s (${declarations} .d.ts import paths rewritten to .js)`);

#!/usr/bin/env node
// The `detailflow` command. In a checkout (src/ beside bin/) it runs the TypeScript source through
// tsx, so an edit shows at once and a dist/ left by an earlier build is never what runs; the
// tsconfig is named so that behaviour does not depend on the caller's working directory. An
// installed package ships no src/, only the compiled dist/, and needs no tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  cli = await import(source.href);
} else {
  cli = await import('../dist/cli/main.js');
}
await cli.main(process.argv.slice(2));

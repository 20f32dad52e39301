#!/usr/bin/env node
// Runs the TypeScript CLI without a build step: tsx compiles src/ as it is imported.
// The tsconfig is named so that behaviour does not depend on the caller's working directory.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));

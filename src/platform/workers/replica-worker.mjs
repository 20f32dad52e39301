// The data-parallel worker thread's entry: workers start without the parent's in-process tsx
// registration, so this registers it (as bin/detailflow.mjs does) before loading the TypeScript.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
await import('./replica-entry.ts');

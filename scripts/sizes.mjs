#!/usr/bin/env node
// Budget report: every .ts file under src/, laws/ and test/ longer than 400 lines. Fails if any.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFiles, root } from './find-files.mjs';

const BUDGET = 400;
const files = ['src', 'laws', 'test'].flatMap((d) => findFiles(d, '.ts'));
const lines = (f) => {
  const text = readFileSync(join(root, f), 'utf8');
  return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
};
const over = files.map((f) => ({ f, n: lines(f) })).filter((x) => x.n > BUDGET).sort((a, b) => b.n - a.n);
for (const { f, n } of over) console.log(`${String(n).padStart(6)}  ${f}`);
if (over.length) {
  console.error(`sizes: ${over.length} of ${files.length} files exceed ${BUDGET} lines`);
  process.exit(1);
}
console.log(`sizes: all ${files.length} .ts files are within ${BUDGET} lines`);

#!/usr/bin/env node
// Exports of src/ that no other file names (src, laws, test, examples, web, scripts, bin): dead
// code to delete, or, marked "used in its file", an `export` to drop. A name is matched as a
// whole word, so a namesake elsewhere hides a dead export: this finds candidates, not proofs.
// Public API reached only through a barrel (`export *`) shows up too; judge those by hand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFiles, root } from './find-files.mjs';

const src = findFiles('src', '.ts');
const others = ['laws', 'test', 'examples', 'web', 'scripts', 'bin'].flatMap((d) => [...findFiles(d, '.ts'), ...findFiles(d, '.mjs')]);
const text = new Map([...src, ...others].map((f) => [f, readFileSync(join(root, f), 'utf8')]));
const declared = /^export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|function\*?|class|type|interface|enum)\s+([A-Za-z_$][\w$]*)/gm;
let count = 0;
for (const f of src) {
  for (const [, name] of text.get(f).matchAll(declared)) {
    const word = `\\b${name.replaceAll('$', '\\$')}\\b`;
    if ([...text].some(([g, t]) => g !== f && new RegExp(word).test(t))) continue;
    const inFile = text.get(f).match(new RegExp(word, 'g'))?.length ?? 0;
    console.log(`${f}: ${name}${inFile > 1 ? ' (used in its file)' : ''}`);
    count++;
  }
}
console.log(`unused-exports: ${count} export(s) no other file names`);

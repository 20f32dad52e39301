#!/usr/bin/env node
// `npm test [-- filters]`: runs laws/**/*.law.ts and test/**/*.test.ts with Node's test runner
// through tsx, two files at a time (one per core of the CI machine; each file is its own process), TAP output (so the "# pass N" / "# fail N" summary appears).
// A filter keeps the files whose path contains it; arguments starting with "--" go to node
// (e.g. --test-name-pattern=adjoint). A run that finds no file or passes no test fails.
//
// The unfiltered run (CI's) first type-checks the library, laws, tests, examples and scripts
// (tsconfig.json) and the web page (web/tsconfig.json), and fails if either fails: tsx strips
// types, so without this nothing would enforce them (e.g. a primitive without a rule). A filtered
// run skips it, because the two tsc passes take about 50 s and a filtered run is the quick loop
// while editing; `--typecheck` asks for it anyway, `--no-typecheck` skips it on the full run.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { findFiles, root } from './find-files.mjs';

const ownFlags = ['--typecheck', '--no-typecheck'];
const args = process.argv.slice(2);
const nodeFlags = args.filter((a) => a.startsWith('--') && !ownFlags.includes(a));
const filters = args.filter((a) => !a.startsWith('--')).map((f) => f.replace(/^\.\//, '').split('\\').join('/'));

const all = [...findFiles('laws', '.law.ts'), ...findFiles('test', '.test.ts')];
const files = filters.length ? all.filter((f) => filters.some((p) => f.includes(p))) : all;
if (files.length === 0) {
  const what = filters.length ? ` matching ${filters.map((f) => `'${f}'`).join(', ')}` : '';
  console.error(`run-tests: no test files found${what} (looked for laws/**/*.law.ts and test/**/*.test.ts; ${all.length} exist)`);
  process.exit(1);
}

const typecheck = args.includes('--typecheck') || (filters.length === 0 && !args.includes('--no-typecheck'));
if (typecheck) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  for (const project of ['tsconfig.json', 'web/tsconfig.json']) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`run-tests: type errors in ${project} (tsc --noEmit -p ${project}); no test was run`);
      process.exit(1);
    }
    console.log(`# typecheck ${project}: ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--import', './scripts/test-setup.ts', '--test', '--test-concurrency=2', '--test-reporter=tap', ...nodeFlags, ...files],
  { cwd: root, stdio: ['inherit', 'pipe', 'pipe'] },
);
// A CI timeout's SIGTERM should not leave the test process running on its own.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));

// Dawn reports these two limit clamps on every adapter it creates; they say nothing about our code.
const dawnNoise = /^(# )?Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced/;
let passed = 0;
forwardLines(child.stdout, process.stdout, (line) => {
  const m = /^# pass (\d+)$/.exec(line);
  if (m) passed = Number(m[1]);
  return !dawnNoise.test(line);
});
forwardLines(child.stderr, process.stderr, (line) => !dawnNoise.test(line));

child.on('close', (code, signal) => {
  if (signal) {
    console.error(`run-tests: node was killed by ${signal}`);
    process.exitCode = 1;
  } else if (code === 0 && passed === 0) {
    console.error(`run-tests: no test passed in ${files.length} file(s) (none ran, or all were skipped); a run that tests nothing does not pass`);
    process.exitCode = 1;
  } else {
    process.exitCode = code ?? 1;
  }
});

/** Copies a stream line by line, keeping the lines `keep` accepts. */
function forwardLines(from, to, keep) {
  let rest = '';
  from.setEncoding('utf8');
  from.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    const kept = lines.filter(keep);
    if (kept.length) to.write(kept.join('\n') + '\n');
  });
  from.on('end', () => {
    if (rest && keep(rest)) to.write(rest);
  });
}

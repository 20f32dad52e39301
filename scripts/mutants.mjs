#!/usr/bin/env node
// `npm run mutants [-- --only id,id] [-- --no-baseline]`: mutation testing by hand-written
// semantic mutations (scripts/mutants.json). Each mutation is applied, alone, to a temporary copy
// of the repository (src, laws, test, scripts, package.json, tsconfig.json; node_modules linked),
// never to the tree it is run from; the mutation's test subset is run there, and the mutation
// must make it fail ("killed"). Exit 1 when one survives, when a search text no longer matches
// exactly once (a stale entry), or when the unmutated baseline of the subsets fails.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './find-files.mjs';

const args = process.argv.slice(2);
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',')) : null;
const baseline = !args.includes('--no-baseline');
const mutations = JSON.parse(readFileSync(join(root, 'scripts/mutants.json'), 'utf8')).mutations
  .filter((m) => !only || only.has(m.id));
if (mutations.length === 0) {
  console.error('mutants: no mutation selected');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'detailflow-mutants-'));
const cleanup = () => rmSync(work, { recursive: true, force: true });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

const run = (tests) => {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...tests], { cwd: work, encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 28 });
  const fail = /^# fail (\d+)$/m.exec(r.stdout ?? '');
  return { ok: r.status === 0, failed: fail ? Number(fail[1]) : null, seconds: (Date.now() - started) / 1000, signal: r.signal, tail: `${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-1500) };
};

let exit = 0;
try {
  for (const p of ['src', 'laws', 'test', 'scripts', 'package.json', 'tsconfig.json']) {
    if (existsSync(join(root, p))) cpSync(join(root, p), join(work, p), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');

  if (baseline) {
    const subsets = [...new Set(mutations.flatMap((m) => m.tests))];
    const b = run(subsets);
    console.log(`baseline (${subsets.length} subsets, unmutated): ${b.ok ? 'passes' : 'FAILS'} in ${b.seconds.toFixed(0)} s`);
    if (!b.ok) {
      console.log(b.tail);
      throw new Error('the unmutated tests fail: a kill would mean nothing');
    }
  }

  const survivors = [];
  const stale = [];
  for (const m of mutations) {
    // one edit (file, search, replace) or several (edits: [{ file, search, replace }]), applied together
    const edits = m.edits ?? [{ file: m.file, search: m.search, replace: m.replace }];
    const originals = edits.map((e) => [join(work, e.file), readFileSync(join(work, e.file), 'utf8')]);
    const bad = edits.map((e) => [e, readFileSync(join(work, e.file), 'utf8').split(e.search).length - 1]).filter(([, hits]) => hits !== 1);
    if (bad.length) {
      stale.push(m.id);
      for (const [e, hits] of bad) console.log(`STALE     ${m.id}: the search text occurs ${hits} times in ${e.file}`);
      continue;
    }
    for (const e of edits) {
      const path = join(work, e.file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(e.search, () => e.replace));
    }
    try {
      const r = run(m.tests);
      const how = r.signal ? `killed by ${r.signal}` : r.failed !== null ? `${r.failed} failing` : 'run failed';
      console.log(`${r.ok ? 'SURVIVED' : 'killed  '}  ${m.id} (${r.seconds.toFixed(0)} s${r.ok ? '' : `, ${how}`}): ${m.why}`);
      if (r.ok) survivors.push(m.id);
    } finally {
      for (const [path, text] of originals) writeFileSync(path, text);
    }
  }
  const killed = mutations.length - survivors.length - stale.length;
  console.log(`\nmutants: ${mutations.length} mutations, ${killed} killed, ${survivors.length} survived, ${stale.length} stale`);
  if (survivors.length) console.log(`survivors: ${survivors.join(', ')}`);
  if (survivors.length || stale.length) exit = 1;
} catch (e) {
  console.error(`mutants: ${e instanceof Error ? e.message : e}`);
  exit = 1;
} finally {
  cleanup();
}
process.exit(exit);

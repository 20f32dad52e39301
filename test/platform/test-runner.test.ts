import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runTests = (...args: string[]) => spawnSync(process.execPath, ['scripts/run-tests.mjs', ...args], { cwd: root, encoding: 'utf8' });

test('npm test fails loudly when no test file matches', () => {
  const r = runTests('no-such-test-file');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no test files found matching 'no-such-test-file'/);
});

test('npm test fails when the files it ran passed no test', () => {
  const r = runTests('test/cli/args.test.ts', '--test-name-pattern=^no test has this name$');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /no test passed/);
});

test('sizes reports the 400-line budget', () => {
  const r = spawnSync(process.execPath, ['scripts/sizes.mjs'], { cwd: root, encoding: 'utf8' });
  assert.match(r.stdout + r.stderr, /400 lines/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { parseFlags } from '../../src/cli/args.ts';

const spec = { steps: 'number', out: 'string', verbose: 'boolean' } as const;

test('parses --name value, --name=value and bare booleans', () => {
  assert.deepEqual(parseFlags(['--steps', '-3', '--out=a=b', '--verbose'], spec), E.right({ steps: -3, out: 'a=b', verbose: true }));
  assert.deepEqual(parseFlags(['--verbose=false'], spec), E.right({ verbose: false }));
  assert.deepEqual(parseFlags([], spec), E.right({}));
});

test('lists every problem, not just the first', () => {
  const result = parseFlags(['--steps', 'ten', '--nope', 'stray', '--out', '--verbose=maybe', '--steps=1', '--steps=2'], spec);
  assert.deepEqual(result, E.left([
    "flag --steps needs a number, got 'ten'",
    'unknown flag --nope (known: --steps, --out, --verbose)',
    "unexpected argument 'stray'",
    'flag --out needs a string value',
    "flag --verbose takes true or false, got 'maybe'",
    'flag --steps given more than once',
  ]));
});

test('a missing value at the end and a flag for a command without flags are reported', () => {
  assert.deepEqual(parseFlags(['--steps'], spec), E.left(['flag --steps needs a number value']));
  assert.deepEqual(parseFlags(['--x'], {}), E.left(['unknown flag --x (this command takes no flags)']));
});

test('law: rendering any flag record to argv and parsing it gives the record back', () => {
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
  const record = fc.record({ steps: finite, out: fc.string(), verbose: fc.boolean() }, { requiredKeys: [] });
  fc.assert(
    fc.property(record, fc.boolean(), (flags, spaced) => {
      const argv = Object.entries(flags).flatMap(([k, v]) =>
        // A value may only follow as its own argument when it cannot pass for a flag.
        spaced && typeof v !== 'boolean' && !String(v).startsWith('--') ? [`--${k}`, String(v)] : [`--${k}=${String(v)}`],
      );
      assert.deepEqual(parseFlags(argv, spec), E.right({ ...flags })); // fc's record has a null prototype
    }),
  );
});

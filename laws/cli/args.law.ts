import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { parseFlags, type FlagKind, type FlagSpec } from '../../src/cli/args.ts';

// The CLI's flag parser: generated specs and values, written out in every form it accepts.
const nameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const specArb: fc.Arbitrary<FlagSpec> = fc.dictionary(nameArb, fc.constantFrom<FlagKind>('string', 'number', 'boolean'), { minKeys: 1, maxKeys: 5, noNullPrototype: true });

const valueArb = (kind: FlagKind): fc.Arbitrary<string | number | boolean> =>
  kind === 'boolean' ? fc.boolean()
  : kind === 'number' ? fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ noNaN: true, noDefaultInfinity: true })).map((n) => (Object.is(n, -0) ? 0 : n))
  : fc.string({ maxLength: 8 });

/** A spec, values for some of its flags, and for each value a way to write it. */
const caseArb = specArb.chain((spec) => {
  const names = Object.keys(spec);
  return fc.tuple(
    fc.constant(spec),
    fc.subarray(names).chain((given) => fc.tuple(...given.map((n) => fc.tuple(fc.constant(n), valueArb(spec[n]), fc.boolean())))),
  ).chain(([s, entries]) => fc.tuple(fc.constant(s), fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length })));
});

/** `--n=v`, or `--n v` where the parser reads the next argument (not for '--'-led strings), `--n` for true. */
const write = (kind: FlagKind, name: string, v: string | number | boolean, equals: boolean): string[] => {
  if (kind === 'boolean') return v === true && !equals ? [`--${name}`] : [`--${name}=${v}`];
  const text = String(v);
  return equals || text.startsWith('--') ? [`--${name}=${text}`] : [`--${name}`, text];
};

test('every value written in any accepted form parses back to itself, and nothing else appears', () => {
  fc.assert(fc.property(caseArb, ([spec, entries]) => {
    const argv = entries.flatMap(([n, v, eq]) => write(spec[n], n, v, eq));
    const r = parseFlags(argv, spec);
    assert.ok(E.isRight(r), `${JSON.stringify(argv)}: ${E.isLeft(r) ? r.left.join('; ') : ''}`);
    assert.deepEqual({ ...r.right }, Object.fromEntries(entries.map(([n, v]) => [n, v])));
  }));
});

test('unknown flags are refused, each by name, with the known ones listed', () => {
  fc.assert(fc.property(caseArb, fc.uniqueArray(nameArb, { minLength: 1, maxLength: 3 }), ([spec, entries], extra) => {
    const unknown = extra.filter((n) => !Object.hasOwn(spec, n));
    fc.pre(unknown.length > 0);
    const argv = [...entries.flatMap(([n, v, eq]) => write(spec[n], n, v, eq)), ...unknown.map((n) => `--${n}=1`)];
    const r = parseFlags(argv, spec);
    assert.ok(E.isLeft(r));
    assert.deepEqual(r.left.map((p) => /^unknown flag --(\S+)/.exec(p)?.[1]), unknown);
    for (const p of r.left) for (const n of Object.keys(spec)) assert.ok(p.includes(`--${n}`), p);
  }));
});

test('values of the wrong type are refused: non-numbers, non-booleans, missing values', () => {
  const notANumber = fc.constantFrom('abc', '', ' ', '1x', 'NaN', 'Infinity', '--');
  const notABool = fc.constantFrom('yes', '1', '0', 'TRUE', '');
  fc.assert(fc.property(nameArb, notANumber, notABool, (name, n, b) => {
    fc.pre(name !== 'other');
    const num = parseFlags([`--${name}=${n}`], { [name]: 'number' });
    assert.ok(E.isLeft(num) && num.left.length === 1 && num.left[0].startsWith(`flag --${name} needs a number`), JSON.stringify(num));
    const bool = parseFlags([`--${name}=${b}`], { [name]: 'boolean' });
    assert.deepEqual(bool, E.left([`flag --${name} takes true or false, got '${b}'`]));
    for (const kind of ['number', 'string'] as const) {
      assert.deepEqual(parseFlags([`--${name}`], { [name]: kind }), E.left([`flag --${name} needs a ${kind} value`]));
      assert.deepEqual(parseFlags([`--${name}`, '--other'], { [name]: kind, other: 'boolean' }), E.left([`flag --${name} needs a ${kind} value`]));
    }
  }));
});

test('every problem is reported at once: repeats, stray arguments, bad values and unknown flags', () => {
  fc.assert(fc.property(caseArb, fc.array(fc.stringMatching(/^[a-z0-9]{1,5}$/), { minLength: 1, maxLength: 3 }), ([spec, entries], strays) => {
    fc.pre(entries.length > 0);
    const [n, v] = entries[0];
    const argv = [
      ...entries.flatMap(([m, w]) => write(spec[m], m, w, true)),
      ...write(spec[n], n, v, true),
      ...strays,
    ];
    const r = parseFlags(argv, spec);
    assert.ok(E.isLeft(r));
    assert.deepEqual(r.left, [`flag --${n} given more than once`, ...strays.map((s) => `unexpected argument '${s}'`)]);
  }));
});

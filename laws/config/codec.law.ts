import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { decodeSections, decodeWith, type ConfigCodec, type NumberRange } from '../../src/config/codec.ts';
import { TokenizerConfigCodec } from '../../src/detailflow/tokenizer/config.ts';
import { TrainConfigCodec } from '../../src/detailflow/tokenizer/train-config.ts';
import { ArConfigCodec } from '../../src/detailflow/ar/config.ts';
import { ArTrainConfigCodec } from '../../src/detailflow/codes/ar-trainer.ts';
import { CnnTeacherConfigCodec } from '../../src/detailflow/teacher/config.ts';
import { EvaluatorConfigCodec } from '../../src/eval/evaluator/config.ts';

// Every codec a config file or a checkpoint's metadata is decoded with.
const codecs: readonly ConfigCodec<unknown>[] = [
  TokenizerConfigCodec, TrainConfigCodec, ArConfigCodec, ArTrainConfigCodec, CnnTeacherConfigCodec, EvaluatorConfigCodec,
] as never;

const defaultsOf = (codec: ConfigCodec<unknown>): Record<string, unknown> => {
  const r = codec.decode({});
  assert.ok(E.isRight(r), `${codec.name}: the defaults do not decode`);
  return r.right as Record<string, unknown>;
};

/** Values from a field's own schema: its numeric range (ends included) or the booleans. */
const fieldArb = (codec: t.Mixed): fc.Arbitrary<unknown> | undefined => {
  if (codec === t.boolean) return fc.boolean();
  const range = (codec as { range?: NumberRange }).range;
  if (!range) return undefined;
  const { lo, hi, integer } = range;
  return integer ? fc.oneof(fc.constantFrom(lo, hi), fc.integer({ min: lo, max: hi }))
    : fc.oneof(fc.constantFrom(lo, hi), fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)));
};

/**
 * A valid partial config derived from the schema: the fields no cross-field check reads take any
 * value their codec accepts, the checked ones keep their defaults, and a random subset is left out
 * (the defaults fill it).
 */
const configArb = (codec: ConfigCodec<unknown>): fc.Arbitrary<Record<string, unknown>> => {
  const base = defaultsOf(codec);
  const free = codec.keys.filter((k) => !codec.checked.includes(k) && fieldArb(codec.fields[k]!) !== undefined);
  const record = Object.fromEntries(free.map((k) => [k, fieldArb(codec.fields[k]!)!]));
  return fc.tuple(fc.record(record, { requiredKeys: [] }), fc.subarray([...codec.keys])).map(([values, dropped]) => {
    const c: Record<string, unknown> = { ...base, ...values };
    for (const k of dropped) if (!(k in values)) delete c[k];
    return c;
  });
};

test('every generated valid config decodes, keeps what it gave, and round-trips (every config codec)', () => {
  for (const codec of codecs) {
    fc.assert(fc.property(configArb(codec), (given) => {
      const r = decodeWith(codec, given);
      assert.ok(E.isRight(r), `${codec.name} refused ${JSON.stringify(given)}: ${E.isLeft(r) ? r.left.message : ''}`);
      const decoded = r.right as Record<string, unknown>;
      for (const [k, v] of Object.entries(given)) assert.equal(decoded[k], v, `${codec.name}.${k}`);
      // every field, except an optional one (no default, e.g. an explicit partition's spans) left out
      const optional = codec.keys.filter((k) => !(k in defaultsOf(codec)));
      assert.deepEqual(Object.keys(decoded).sort(), codec.keys.filter((k) => !optional.includes(k) || k in given).sort());
      assert.deepEqual(codec.decode(codec.encode(decoded)), E.right(decoded));
      assert.ok(codec.is(decoded));
    }), { numRuns: 40 });
  }
});

// Keys that are not fields: arbitrary strings, and near misses of real fields (a typo's usual shape).
const unknownKeyArb = (codec: ConfigCodec<unknown>): fc.Arbitrary<string> => fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.tuple(fc.constantFrom(...codec.keys), fc.nat(), fc.constantFrom('', 'x', 's', '_')).map(([k, i, add]) => {
    const at = i % k.length;
    return add === '' ? k.slice(0, at) + k.slice(at + 1) : k.slice(0, at) + add + k.slice(at);
  }),
).filter((k) => !codec.keys.includes(k) && k !== '__proto__');

test('an unknown key is refused, naming it and listing the known fields, however valid the rest is', () => {
  for (const codec of codecs) {
    fc.assert(fc.property(configArb(codec), unknownKeyArb(codec), fc.jsonValue(), (given, key, value) => {
      const r = decodeWith(codec, { ...given, [key]: value });
      assert.ok(E.isLeft(r), `${codec.name} accepted the unknown key ${JSON.stringify(key)}`);
      const line = r.left.problems.find((p) => p.startsWith(`${key}: unknown field`));
      assert.ok(line, `${codec.name}: no problem names ${JSON.stringify(key)} in\n${r.left.message}`);
      for (const k of codec.keys) assert.ok(line.includes(k), `${codec.name}: '${k}' is not listed in ${line}`);
      assert.ok(!codec.is({ ...given, [key]: value }));
    }), { numRuns: 30 });
  }
});

test('a config file refuses an unknown section with the known ones listed, and a section that is not an object', () => {
  const r = decodeSections('train-tokenizer configuration', { tokeniser: { codebookSize: 8 } }, ['tokenizer', 'train']);
  assert.ok(E.isLeft(r));
  assert.deepEqual(r.left.problems, ['tokeniser: unknown section (known: tokenizer, train)']);
  const bad = decodeSections('x', { train: [1] }, ['tokenizer', 'train']);
  assert.ok(E.isLeft(bad) && /train: expected an object/.test(bad.left.message));
  assert.ok(E.isLeft(decodeSections('x', [], ['train'])));
  const ok = decodeSections('x', { train: { lr: 1 } }, ['tokenizer', 'train']);
  assert.deepEqual(ok, E.right({ tokenizer: {}, train: { lr: 1 } }));
  // inherited names are not sections
  assert.deepEqual(decodeSections('x', {}, ['constructor']), E.right({ constructor: {} }));
});

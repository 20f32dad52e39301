import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { jsonDepth, parseJsonBounded } from '../../src/io/json.ts';

/** The nesting of a parsed value, counted the slow, obvious way. */
const depthOf = (u: unknown): number =>
  Array.isArray(u) ? 1 + Math.max(0, ...u.map(depthOf))
    : typeof u === 'object' && u !== null ? 1 + Math.max(0, ...Object.values(u).map(depthOf)) : 0;

test('jsonDepth counts the nesting of any JSON text, brackets inside strings (escaped quotes too) not counted', () => {
  const tricky = fc.array(fc.constantFrom('[', ']', '{', '}', '"', '\\', '\\"[', 'a'), { maxLength: 4 }).map((cs) => cs.join(''));
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(tricky, tie('v'), { maxKeys: 3 })),
  })).v;
  fc.assert(fc.property(value, (u) => {
    const text = JSON.stringify(u);
    assert.equal(jsonDepth(text), depthOf(u), text);
    const bounded = parseJsonBounded(text, depthOf(u));
    assert.deepEqual(bounded, E.right(JSON.parse(text)));
    if (depthOf(u) > 0) assert.ok(E.isLeft(parseJsonBounded(text, depthOf(u) - 1)), text);
  }), { numRuns: 300 });
});

test('a document nested 100,000 deep is refused in one line, without parsing it', () => {
  const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const r = parseJsonBounded(text);
  assert.deepEqual(r, E.left('it nests 100000 levels deep (at most 64 allowed)'));
  const broken = parseJsonBounded('{"a": 1');
  assert.ok(E.isLeft(broken) && /^it is not valid JSON/.test(broken.left));
});

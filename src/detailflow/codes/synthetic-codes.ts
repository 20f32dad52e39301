/**
 * A valid codes file of random rows, for benchmarks and tests of AR training without a tokenizer:
 * each row gets a span [s, e) and a triple that keeps the invariants firstBadRow checks
 * (label[:e] = clean[:e], input[:s] = clean[:s], input[e:] = label[e:]).
 */
import { foldIn, randInt, type Key } from '../../random/key.ts';
import type { Codes, CodesShape } from './codes-file.ts';

export const syntheticCodes = (key: Key, shape: CodesShape, count: number, classes: number): Codes => {
  const N = shape.tokens;
  const V = shape.codebookSize;
  const clean = new Int32Array(count * N);
  const input = new Int32Array(count * N);
  const label = new Int32Array(count * N);
  const spans = new Int32Array(2 * count);
  for (let r = 0; r < count; r++) {
    const k = foldIn(key, r);
    const s = randInt(foldIn(k, 0), N);
    const e = s + 1 + randInt(foldIn(k, 1), N - s);
    spans.set([s, e], 2 * r);
    for (let i = 0; i < N; i++) {
      const at = r * N + i;
      const draw = (j: number) => randInt(foldIn(foldIn(k, 2 + j), i), V);
      clean[at] = draw(0);
      label[at] = i < e ? clean[at] : draw(1);
      input[at] = i < s ? clean[at] : i < e ? draw(2) : label[at];
    }
  }
  return { shape, source: 'synthetic', count, clean, input, label, spans, classes: Int32Array.from({ length: count }, (_, r) => randInt(foldIn(foldIn(key, r), 5), classes)) };
};

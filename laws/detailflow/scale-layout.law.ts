// The next-scale input layout (Partition.inputs = 'scales', issue 19 item 3): each s x s scale's
// AR positions hold the previous scale upsampled (nearest), so no position holds a token of its
// own span or a later one, every token of the previous scale is an input, and the cell held
// lies under the position's own cell; 2D RoPE puts every cell at its centre on the finest grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { placeholderCount, sequenceLayout } from '../../src/detailflow/ar-layout.ts';
import { decodeArConfig } from '../../src/detailflow/ar/config.ts';
import { ropeAngles } from '../../src/detailflow/ar/rope-2d.ts';
import { tokenSpan } from '../../src/detailflow/ar/layout.ts';
import { nextScalePartition, partition, spansFromSizes } from '../../src/detailflow/partition.ts';
import { partitionOf } from '../../src/detailflow/partition-config.ts';
import { GraphError } from '../../src/ir/errors.ts';

/** Non-decreasing scales from 1, e.g. [1, 1, 2, 3, 5]. */
const scalesArb = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 })
  .map((xs) => [1, ...xs].sort((a, b) => a - b));

test('each scale\'s positions hold the previous scale upsampled: earlier tokens only, all of them, the cell under each position', () => {
  fc.assert(fc.property(scalesArb, (scales) => {
    const p = nextScalePartition(scales.filter((s, i) => i === 0 || s > scales[i - 1]), { inputs: 'scales' });
    const ss = p.spans.map((s) => Math.round(Math.sqrt(s.end - s.start)));
    const held = sequenceLayout(p);
    assert.deepEqual(held[0], { kind: 'class' });
    assert.equal(placeholderCount(p), 0, 'a 1 x 1 first scale leaves no placeholder');
    p.spans.forEach((span, k) => {
      if (k === 0) return;
      const prev = p.spans[k - 1];
      const [s, sp] = [ss[k], ss[k - 1]];
      const seen = new Set<number>();
      for (let i = 0; i < s * s; i++) {
        const h = held[span.start + i];
        assert.equal(h.kind, 'token');
        const t = (h as { token: number }).token;
        assert.ok(t >= prev.start && t < prev.end, `position ${span.start + i} holds ${t}, outside the previous scale [${prev.start}, ${prev.end})`);
        seen.add(t);
        // the held cell's square (in units of the finest grid) contains this cell's centre
        const [y, x] = [Math.floor(i / s), i % s];
        const [hy, hx] = [Math.floor((t - prev.start) / sp), (t - prev.start) % sp];
        for (const [c, hc] of [[y, hy], [x, hx]]) {
          const centre = (c + 0.5) / s;
          assert.ok(centre >= hc / sp - 1e-12 && centre <= (hc + 1) / sp + 1e-12, `cell ${c} of ${s} is not under cell ${hc} of ${sp}`);
        }
      }
      assert.equal(seen.size, sp * sp, `scale ${k} holds every token of scale ${k - 1}`);
      // the tokens a pass needs are still the previous span, contiguous (the sampler chains them)
      assert.deepEqual(tokenSpan(span.start, span.end, p), { start: prev.start, end: prev.end });
    });
  }), { numRuns: 200 });
});

test('RoPE with inputs scales: a cell sits at its centre on the finest grid, so nested cells share a place', () => {
  const r = decodeArConfig({ vocab: 16, tokens: 30, spans: [1, 4, 9, 16], inputs: 'scales', width: 32, heads: 2 });
  assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
  const c = r.right;
  const q = 32 / 2 / 4; // frequencies per axis
  const place = (p: number): [number, number] => { const a = ropeAngles(p, c); return [a[0], a[q]]; };
  // the finest scale (4 x 4, tokens 14..29): integer cells; the 2 x 2 scale's cell 0 at (0.5, 0.5)
  assert.deepEqual(place(14), [0, 0]);
  assert.deepEqual(place(29), [3, 3]);
  assert.deepEqual(place(1), [0.5, 0.5]);
  assert.deepEqual(place(4), [2.5, 2.5]);
  // the 3 x 3 scale's centre cell (token 9) is the grid's centre
  assert.deepEqual(place(9), [1.5, 1.5]);
  // the flat layout is unchanged: position p is cell p - 1 of the width-g grid
  const flat = decodeArConfig({ vocab: 16, tokens: 30, spans: [1, 4, 9, 16], width: 32, heads: 2, group: 4 });
  assert.ok(E.isRight(flat));
  assert.deepEqual([ropeAngles(6, flat.right)[0], ropeAngles(6, flat.right)[q]], [1, 1]);
});

test('inputs scales is refused without square spans or spans at all, and with a ropeWidth, by name', () => {
  assert.throws(() => partition(spansFromSizes([1, 2, 4]), { inputs: 'scales' }), (e: unknown) => e instanceof GraphError && /span 1 \[1, 3\) has 2 tokens, not a square/.test(e.message));
  const problems = (u: object): string => {
    const r = decodeArConfig(u);
    assert.ok(E.isLeft(r), JSON.stringify(u));
    return r.left.problems.join('\n');
  };
  assert.match(problems({ tokens: 7, spans: [1, 2, 4], inputs: 'scales' }), /span 1 \[1, 3\) has 2 tokens, not a square s\^2: inputs 'scales'/);
  assert.match(problems({ tokens: 16, inputs: 'scales' }), /inputs 'scales' needs spans/);
  assert.match(problems({ tokens: 14, spans: [1, 4, 9], inputs: 'scales', ropeWidth: 3 }), /ropeWidth does not apply with inputs 'scales'/);
  assert.match(problems({ inputs: 'rows' }), /inputs: expected 'shifted' or 'scales'/);
  // the default and 'shifted' are the layout every checkpoint had
  const shifted = decodeArConfig({ tokens: 14, spans: [1, 4, 9], inputs: 'shifted' });
  assert.ok(E.isRight(shifted));
  assert.equal(partitionOf(shifted.right).inputs, undefined);
  assert.equal(placeholderCount(partitionOf(shifted.right)), 5);
});

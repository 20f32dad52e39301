import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { compile, release, toHost, type Compiled } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { sliceAxis } from '../../src/ops/index.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { passInputLengthOf, passPlanOf } from '../../src/detailflow/pass-plan.ts';
import { decodeArConfig, type ArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel, type ArModel } from '../../src/detailflow/ar/model.ts';
import { tokenSpan } from '../../src/detailflow/ar/layout.ts';
import { passRows } from '../../src/detailflow/ar/pass-mask.ts';
import type { LayerCache } from '../../src/detailflow/ar/block.ts';
import { maxAbsDiff } from '../helpers/close.ts';
import type { BackendName } from '../../src/compile/backend.ts';
import { ready } from '../helpers/backends.ts';

/**
 * Model laws on small configurations (width 32, depth 2, N = 16, vocab 64), compiled on the cpu
 * backend (DETAILFLOW_BACKEND overrides). initStd 0.2 and a non-zero head make the logits O(1),
 * so the tolerances below are meaningful.
 */
const backend = (process.env.DETAILFLOW_BACKEND ?? 'cpu') as BackendName;
before(() => ready(backend));
const B = 2;

const config = (o: Partial<ArConfig>): ArConfig => {
  const r = decodeArConfig({ vocab: 64, tokens: 16, group: 4, classes: 10, width: 32, depth: 2, heads: 2, mlpHidden: 64, initStd: 0.2, headInitStd: 0.5, ...o });
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

interface Fixture {
  readonly c: ArConfig;
  readonly m: ArModel;
  readonly full: Compiled<Node>;
  /** Logits of positions [start, end) from the range [from, to) over a cache. */
  readonly range: (from: number, to: number, start: number, end: number, cached: boolean) => Compiled<{ logits: Node; cache: LayerCache[] }>;
}

const fixtures = new Map<string, Fixture>();
const fixture = (o: Partial<ArConfig>): Fixture => {
  const id = JSON.stringify(o);
  const hit = fixtures.get(id);
  if (hit) return hit;
  const c = config(o);
  const m = arModel(c);
  const ranges = new Map<string, Compiled<{ logits: Node; cache: LayerCache[] }>>();
  const f: Fixture = {
    c, m,
    full: compile((p: never, cls: Node, codes: Node) => m.apply(p, cls, codes), { backend }),
    range: (from, to, start, end, cached) => {
      const k = `${from},${to},${start},${end},${cached}`;
      let r = ranges.get(k);
      if (!r) {
        r = compile((p: never, x: { classes?: Node; tokens?: Node; cache?: LayerCache[] }) => {
          const out = m.forward(p, from, to, x);
          return { logits: m.logits(p, sliceAxis(out.hidden, 1, start - from, end - from)), cache: out.cache };
        }, { backend });
        ranges.set(k, r);
      }
      return r;
    },
  };
  fixtures.set(id, f);
  return f;
};

/** Logits [B, end-start, V] of positions [start, end) from a host array [B, N, V]. */
const positions = (a: HostArray, start: number, end: number): Float32Array => {
  const [b, n, v] = a.shape;
  const out = new Float32Array(b * (end - start) * v);
  for (let i = 0; i < b; i++) out.set(a.data.subarray((i * n + start) * v, (i * n + end) * v) as Float32Array, i * (end - start) * v);
  return out;
};

const tokensOf = (codes: Int32Array, N: number, s: { start: number; end: number }): HostArray => {
  const w = s.end - s.start;
  return hostArray(Int32Array.from({ length: B * w }, (_, i) => codes[Math.floor(i / w) * N + s.start + (i % w)]), [B, w]);
};

const caseArb = (N: number, V: number) => fc.record({
  seed: fc.integer({ min: 0, max: 1 << 30 }),
  classes: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: B, maxLength: B }),
  codes: fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: B * N, maxLength: B * N }),
});

// the last: next-scale scales 1, 1, 1, 2, 3, each holding the previous one upsampled (repeated tokens)
const layouts: Partial<ArConfig>[] = [{}, { causal: 8 }, { group: 2 }, { classZeroRotation: false }, { spans: [1, 1, 1, 4, 9], inputs: 'scales' }];

test('teacher forcing = incremental decoding, with and without the KV cache (|diff| <= 1e-4 + 1e-4 |logit|)', async () => {
  let worst = 0;
  await fc.assert(fc.asyncProperty(fc.constantFrom(...layouts), caseArb(16, 64), async (o, x) => {
    const f = fixture(o);
    const { c } = f;
    const params = f.m.init(keyFromSeed(x.seed));
    const cls = hostArray(Int32Array.from(x.classes), [B]);
    const codes = Int32Array.from(x.codes);
    const fullOut = await f.full.run(params, cls, hostArray(codes, [B, c.tokens]));
    const full = await toHost(fullOut) as HostArray;
    release(fullOut);
    let cache: unknown;
    for (const span of passPlanOf(f.m.layout)) {
      const L = passInputLengthOf(f.m.layout, span);
      const want = positions(full, span.start, span.end);
      const check = (got: Float32Array, what: string) => {
        for (let i = 0; i < got.length; i++) {
          const d = Math.abs(got[i] - want[i]);
          worst = Math.max(worst, d);
          assert.ok(d <= 1e-4 + 1e-4 * Math.abs(want[i]), `${what} pass ${span.start}..${span.end}: ${got[i]} vs ${want[i]}`);
        }
      };
      // without a cache: the whole prefix [0, L), as the reference sampler
      const plain = await f.range(0, L, span.start, span.end, false).run(params, { classes: cls, tokens: tokensOf(codes, c.tokens, tokenSpan(0, L, f.m.layout)) });
      check((await toHost(plain.logits) as HostArray).data as Float32Array, 'no cache');
      release(plain);
      // with the cache: only the new positions [from, L)
      const from = cache ? (cache as LayerCache<{ shape: number[] }>[])[0].values.shape[2] : 0;
      const held = tokenSpan(from, L, f.m.layout);
      const x2 = { ...(from === 0 ? { classes: cls } : {}), ...(held.end > held.start ? { tokens: tokensOf(codes, c.tokens, held) } : {}), ...(cache ? { cache } : {}) };
      const inc = await f.range(from, L, span.start, span.end, true).run(params, x2);
      check((await toHost(inc.logits) as HostArray).data as Float32Array, 'cache');
      release(inc.logits);
      if (cache) release(cache);
      cache = inc.cache;
    }
    release(cache);
  }), { numRuns: 12 });
  console.log(`# teacher forcing vs incremental: worst |diff| ${worst.toExponential(2)}`);
});

test('changing the tokens of parallel group k leaves the logits of groups <= k unchanged (exactly)', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...layouts), caseArb(16, 64), fc.nat(), fc.array(fc.integer({ min: 0, max: 63 }), { minLength: 8, maxLength: 8 }), async (o, x, kPick, fresh) => {
    const f = fixture(o);
    const { c } = f;
    const first = c.causal / c.group;
    const k = first + (kPick % (c.tokens / c.group - first));
    const params = f.m.init(keyFromSeed(x.seed));
    const cls = hostArray(Int32Array.from(x.classes), [B]);
    const codes = Int32Array.from(x.codes);
    const moved = codes.map((t, i) => (Math.floor((i % c.tokens) / c.group) === k ? fresh[i % fresh.length] : t));
    const run = async (cs: Int32Array) => { const o2 = await f.full.run(params, cls, hostArray(cs, [B, c.tokens])); const h = await toHost(o2) as HostArray; release(o2); return h; };
    const [a, b] = [await run(codes), await run(moved)];
    const end = (k + 1) * c.group;
    assert.equal(maxAbsDiff(positions(a, 0, end), positions(b, 0, end)), 0, `group ${k} changed logits before position ${end}`);
  }), { numRuns: 15 });
});

test('inside the strict prefix, changing token t leaves the logits of positions <= t unchanged (exactly)', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom<Partial<ArConfig>>({ causal: 8 }, {}), caseArb(16, 64), fc.nat(), fc.integer({ min: 0, max: 63 }), async (o, x, tPick, fresh) => {
    const f = fixture(o);
    const t = tPick % f.c.causal;
    const params = f.m.init(keyFromSeed(x.seed));
    const cls = hostArray(Int32Array.from(x.classes), [B]);
    const codes = Int32Array.from(x.codes);
    const moved = codes.map((v, i) => (i % f.c.tokens === t ? fresh : v));
    const run = async (cs: Int32Array) => { const o2 = await f.full.run(params, cls, hostArray(cs, [B, f.c.tokens])); const h = await toHost(o2) as HostArray; release(o2); return h; };
    const [a, b] = [await run(codes), await run(moved)];
    assert.equal(maxAbsDiff(positions(a, 0, t + 1), positions(b, 0, t + 1)), 0);
  }), { numRuns: 10 });
});

test('with g = 1 the model is a plain causal GPT: causal mask, no placeholders, C irrelevant, causal logits', async () => {
  for (let L = 1; L <= 16; L++) {
    passRows(0, L, { group: 1, causal: 3 }).forEach((row, i) => row.forEach((v, j) => assert.equal(v, j <= i)));
  }
  await fc.assert(fc.asyncProperty(caseArb(16, 64), fc.nat(), fc.integer({ min: 0, max: 63 }), async (x, tPick, fresh) => {
    const a1 = fixture({ group: 1, causal: 1 });
    const a3 = fixture({ group: 1, causal: 3 });
    const params = a1.m.init(keyFromSeed(x.seed));
    assert.equal('placeholders' in params, false);
    const cls = hostArray(Int32Array.from(x.classes), [B]);
    const codes = Int32Array.from(x.codes);
    const run = async (f: Fixture, cs: Int32Array) => { const o = await f.full.run(params, cls, hostArray(cs, [B, 16])); const h = await toHost(o) as HostArray; release(o); return h; };
    const base = await run(a1, codes);
    assert.equal(maxAbsDiff(base.data, (await run(a3, codes)).data), 0, 'C changes nothing when g = 1');
    const t = tPick % 16;
    const moved = await run(a1, codes.map((v, i) => (i % 16 === t ? fresh : v)));
    assert.equal(maxAbsDiff(positions(base, 0, t + 1), positions(moved, 0, t + 1)), 0, `token ${t} leaked into positions <= ${t}`);
  }), { numRuns: 8 });
});

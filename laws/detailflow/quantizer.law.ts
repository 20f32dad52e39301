// The quantiser as a part (issue 19, item 2): the Quantizer interface, today's l2-normalised VQ
// behind it (the same graph as the direct calls, so the same numbers), and FSQ (Mentzer et al.
// 2023): indices round-trip, its rounding passes the gradient straight through, and its
// self-correction noise is always another valid code among the k nearest of the level grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { compile, runOnce } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { valueAndGrad } from '../../src/transforms/grad.ts';
import { decodeTokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { latentEncoder, tokenizer } from '../../src/detailflow/tokenizer/model.ts';
import { selfCorrect } from '../../src/detailflow/tokenizer/self-correction.ts';
import { l2VectorQuantizer, lookupCodes, nearNeighbourNoise, quantize } from '../../src/detailflow/tokenizer/quantizers/l2-vq.ts';
import { fsqCodeCount, fsqDigits, fsqGrid, fsqIndex, fsqLevelValue, fsqQuantizer } from '../../src/detailflow/tokenizer/quantizers/fsq.ts';
import { quantizerFor } from '../../src/detailflow/tokenizer/quantizers/of-config.ts';
import { ready } from '../helpers/backends.ts';

/** 1 to 4 channels of 2 to 8 levels (at most 4096 codes). */
const levelsArb = fc.array(fc.integer({ min: 2, max: 8 }), { minLength: 1, maxLength: 4 });

const rows = (h: HostArray, d: number): number[][] =>
  Array.from({ length: h.data.length / d }, (_, r) => Array.from(h.data.slice(r * d, r * d + d)));

test('FSQ digits and indices are inverse bijections between 0..V-1 and the level grid (host)', () => {
  fc.assert(fc.property(levelsArb, (levels) => {
    const V = fsqCodeCount(levels);
    const seen = new Set<string>();
    for (let i = 0; i < V; i++) {
      const d = fsqDigits(levels, i);
      d.forEach((l, j) => assert.ok(Number.isInteger(l) && l >= 0 && l < levels[j], `digit ${j} of ${i}: ${l}`));
      assert.equal(fsqIndex(levels, d), i);
      seen.add(d.join());
    }
    assert.equal(seen.size, V, 'every code has its own digits');
    // the grid: row i holds the level values of i's digits, -1 and 1 at the ends
    const grid = fsqGrid(levels);
    for (let i = 0; i < V; i++) fsqDigits(levels, i).forEach((l, j) => assert.equal(grid[i * levels.length + j], fsqLevelValue(levels[j], l)));
    levels.forEach((L) => { assert.equal(fsqLevelValue(L, 0), -1); assert.equal(fsqLevelValue(L, L - 1), 1); });
  }), { numRuns: 100 });
  assert.equal(fsqCodeCount([8, 5, 5, 5]), 1000);
});

test('FSQ round-trips: lookup(encode(z)) is the quantised z, and encode(lookup(i)) = i for every code i', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(levelsArb, fc.nat(1000), async (levels, seed) => {
    const q = fsqQuantizer(levels);
    const [V, d] = [q.codes, q.dim];
    assert.deepEqual([V, d], [fsqCodeCount(levels), levels.length]);
    const z = hostArray(normalHost(keyFromSeed(seed), 3 * 5 * d).map((v) => 2 * v), [3, 5, d]);
    // a pre-image of every grid point (shrunk off +-1, where atanh is infinite)
    const grid = fsqGrid(levels);
    const pre = hostArray(grid.map((v) => Math.atanh(0.999 * v)), [V, d]);
    const out = await runOnce((zz: Node, pp: Node) => {
      const a = q.quantize({}, zz);
      const b = q.quantize({}, pp);
      return { indices: a.indices, codes: a.codes, z: a.z, back: q.lookup({}, a.indices), again: b.indices, vq: a.vqPerToken, commit: a.commitPerToken };
    }, [z, pre], { backend: 'cpu' }) as unknown as Record<string, HostArray>;
    // encode(lookup(i)) = i
    assert.deepEqual(Array.from(out.again.data), Array.from({ length: V }, (_, i) => i));
    // lookup(encode(z)): the grid rows of the indices; the straight-through codes carry those values
    const idx = Array.from(out.indices.data);
    idx.forEach((i) => assert.ok(Number.isInteger(i) && i >= 0 && i < V, `index ${i}`));
    const back = rows(out.back, d);
    idx.forEach((i, r) => assert.deepEqual(back[r], Array.from(grid.slice(i * d, i * d + d))));
    out.codes.data.forEach((c, k) => assert.ok(Math.abs(c - out.back.data[k]) < 1e-6, `code ${c} is not its grid value ${out.back.data[k]}`));
    // each channel is the level nearest to tanh(z) (ties aside)
    rows(out.z, d).forEach((zr, r) => zr.forEach((t, j) => {
      const L = levels[j];
      const nearest = Math.min(...Array.from({ length: L }, (_, l) => Math.abs(t - fsqLevelValue(L, l))));
      assert.ok(Math.abs(t - back[r][j]) <= nearest + 1e-6, `token ${r} channel ${j}: ${t} rounded to ${back[r][j]}`);
    }));
    // no codebook, no codebook or commitment loss
    assert.deepEqual(q.init(keyFromSeed(0)), {});
    assert.ok([...out.vq.data, ...out.commit.data].every((v) => v === 0));
  }), { numRuns: 20 });
});

test('FSQ rounding passes the gradient straight through: d codes / dz is that of tanh(z)', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(levelsArb, fc.nat(1000), async (levels, seed) => {
    const q = fsqQuantizer(levels);
    const d = levels.length;
    const z = hostArray(normalHost(keyFromSeed(seed), 4 * d), [4, d]);
    const v = hostArray(normalHost(keyFromSeed(seed + 1), 4 * d), [4, d]);
    const out = await runOnce((zz: Node, vv: Node) => {
      const [, g] = valueAndGrad((zr: Node) => o.sum(o.mul(q.quantize({}, zr).codes, vv)))(zz);
      const [, gt] = valueAndGrad((zr: Node) => o.sum(o.mul(o.tanh(zr), vv)))(zz);
      return { g, gt };
    }, [z, v], { backend: 'cpu' }) as unknown as Record<string, HostArray>;
    out.g.data.forEach((gv, k) => {
      assert.ok(Math.abs(gv - out.gt.data[k]) < 1e-6, `gradient ${gv} is not tanh's ${out.gt.data[k]}`);
      // and tanh's is v (1 - tanh(z)^2): the rounding contributes the identity
      const want = v.data[k] * (1 - Math.tanh(z.data[k]) ** 2);
      assert.ok(Math.abs(gv - want) < 1e-5 * (1 + Math.abs(want)), `gradient ${gv}, from the definition ${want}`);
    });
  }), { numRuns: 15 });
});

test('FSQ self-correction noise is a valid code other than the token\'s own, among its k nearest on the grid', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(levelsArb.filter((l) => fsqCodeCount(l) >= 2), fc.nat(1000), fc.integer({ min: 1, max: 8 }), async (levels, seed, k0) => {
    const q = fsqQuantizer(levels);
    const [V, d] = [q.codes, q.dim];
    const k = Math.min(k0, V - 1);
    const z = hostArray(normalHost(keyFromSeed(seed), 2 * 6 * d), [2, 6, d]);
    const out = await runOnce((zz: Node, key: Node) => {
      const a = q.quantize({}, zz);
      const n = q.noise({}, a, k, key);
      return { clean: a.indices, noisy: n.indices, codes: n.codes };
    }, [z, keyFromSeed(seed + 7)], { backend: 'cpu' }) as unknown as Record<string, HostArray>;
    const grid = fsqGrid(levels);
    const dist = (i: number, j: number) => Array.from({ length: d }, (_, c) => (grid[i * d + c] - grid[j * d + c]) ** 2).reduce((a, b) => a + b, 0);
    const codes = rows(out.codes, d);
    Array.from(out.noisy.data).forEach((j, r) => {
      const i = out.clean.data[r];
      assert.ok(Number.isInteger(j) && j >= 0 && j < V, `noise index ${j} is not a code`);
      assert.notEqual(j, i, `token ${r}: the noise is its own code ${i}`);
      // fewer than k other codes are strictly nearer
      const nearer = Array.from({ length: V }, (_, c) => c).filter((c) => c !== i && dist(i, c) < dist(i, j)).length;
      assert.ok(nearer < k, `token ${r}: code ${j} has ${nearer} nearer codes, not among the ${k} nearest`);
      assert.deepEqual(codes[r], Array.from(grid.slice(j * d, j * d + d)), 'the noise codes are the grid rows');
    });
  }), { numRuns: 20 });
});

test('VQ through the interface is the direct computation: the same graph, node for node, and the same numbers', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(fc.integer({ min: 2, max: 16 }), fc.integer({ min: 1, max: 8 }), fc.nat(1000), async (V, D, seed) => {
    const vq = l2VectorQuantizer(V, D);
    assert.deepEqual([vq.kind, vq.codes, vq.dim], ['vq', V, D]);
    const k = 1 + (seed % V);
    const book = vq.init(keyFromSeed(seed)) as HostArray;
    assert.deepEqual(book.shape, [V, D]);
    const z = hostArray(normalHost(keyFromSeed(seed + 1), 3 * D), [3, D]);
    const idx = hostArray(Int32Array.from({ length: 5 }, (_, i) => (i * 7 + seed) % V), [5]);
    const f = compile((bk: Node, zz: Node, ii: Node, key: Node) => {
      const [a, b] = [vq.quantize(bk, zz), quantize(bk, zz)];
      const [na, nb] = [vq.noise(bk, a, k, key), nearNeighbourNoise(bk, o.stopGradient(b.similarity), k, key)];
      const [la, lb] = [vq.lookup(bk, ii), lookupCodes(bk, ii)];
      // content-hashed nodes: equal hashes are the same computation
      for (const [x, y] of [[a.indices, b.indices], [a.codes, b.codes], [a.z, b.z], [a.vqPerToken, b.vqPerToken], [a.commitPerToken, b.commitPerToken],
        [a.similarity, b.similarity], [na.indices, nb.indices], [na.codes, nb.codes], [la, lb]] as const) assert.equal(x.hash, y.hash);
      return { a: a.codes, b: b.codes, na: na.indices, nb: nb.indices, la, lb };
    }, { backend: 'cpu' });
    const out = await f.host(book, z, idx, keyFromSeed(seed + 2)) as unknown as Record<string, HostArray>;
    for (const [x, y] of [['a', 'b'], ['na', 'nb'], ['la', 'lb']]) assert.deepEqual(Array.from(out[x].data), Array.from(out[y].data), `${x} vs ${y}`);
    // VQ parameters are a codebook: another quantiser's empty record is refused by name
    assert.throws(() => vq.lookup({} as never, o.constant(Int32Array.of(0), [1])), /no codebook/);
  }), { numRuns: 10 });
});

/** Whether the graph of `n` holds a node with this hash. */
const reaches = (n: Node, hash: number, seen = new Set<Node>()): boolean => {
  if (n.hash === hash) return true;
  if (seen.has(n)) return false;
  seen.add(n);
  return n.inputs.some((i) => reaches(i, hash, seen));
};

const tinyVq = (() => {
  const r = decodeTokenizerConfig({ size: 16, patch: 4, tokens: 8, group: 2, causal: 2, codebookSize: 16, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8 });
  if (E.isLeft(r)) throw r.left;
  return r.right;
})();

test('the VQ tokenizer encodes, decodes and self-corrects through its quantiser with the graph of the direct calls', async () => {
  await ready('cpu');
  const tk = tokenizer(tinyVq, 4);
  assert.equal(tk.quantizer.kind, 'vq');
  const params = tk.init(keyFromSeed(3));
  // the parameter tree keeps its names and shapes: codebook [V, D]
  assert.deepEqual((params.codebook as HostArray).shape, [16, tinyVq.codeDim]);
  const images = hostArray(normalHost(keyFromSeed(4), 2 * 16 * 16).map(Math.tanh), [2, 1, 16, 16]);
  const span = hostArray(Float32Array.from({ length: 3 * 8 }, (_, i) => (Math.floor(i / 8) === (i % 8 < 2 ? 0 : i % 8 < 4 ? 1 : 2) ? 1 : 0)), [3, 8]);
  const ids = hostArray(Int32Array.of(1, 2, 3, 4), [1, 4]);
  let checked = 0;
  await runOnce((p: Parameters<typeof tk.encode>[0], x: Node, sp: Node, key: Node, ii: Node) => {
    const e = latentEncoder(p.encoder);
    const book = p.codebook as Node;
    const direct = quantize(book, tk.encoder.apply(e, x, e.latentTokens));
    const clean = tk.encode(p, x);
    for (const f of ['indices', 'codes', 'z', 'vqPerToken', 'commitPerToken', 'similarity'] as const) assert.equal(clean[f].hash, direct[f].hash, f);
    assert.equal(tk.decodeIndices(p, ii).hash, tk.decoder.apply(p.decoder, lookupCodes(book, ii), tk.decoderSide(4)).hash);
    // self-correction draws the direct top-k noise
    const fixed = selfCorrect(tk, p, x, clean, sp, key);
    const noise = nearNeighbourNoise(book, o.stopGradient(direct.similarity), tinyVq.noiseTopK, key);
    assert.ok(reaches(fixed.indices, noise.indices.hash), 'self-correction does not use the direct noise draw');
    checked++;
    return { i: fixed.indices };
  }, [params, images, span, keyFromSeed(9), ids], { backend: 'cpu' });
  assert.equal(checked, 1);
});

test('the configuration picks the quantiser: vq by default (old metadata), fsq with its levels, every mismatch named', () => {
  // a checkpoint's metadata from before the field: today's VQ
  const old = decodeTokenizerConfig({ codebookSize: 64, codeDim: 8 });
  assert.ok(E.isRight(old));
  assert.equal(old.right.quantizer, 'vq');
  assert.equal(quantizerFor(old.right).kind, 'vq');
  assert.equal(quantizerFor(old.right).codes, 64);
  const fsq = decodeTokenizerConfig({ quantizer: 'fsq', fsqLevels: [8, 5, 5, 5], codebookSize: 1000, codeDim: 4 });
  assert.ok(E.isRight(fsq), E.isLeft(fsq) ? fsq.left.message : '');
  assert.deepEqual([quantizerFor(fsq.right).kind, quantizerFor(fsq.right).codes, quantizerFor(fsq.right).dim], ['fsq', 1000, 4]);
  const problems = (u: unknown) => {
    const r = decodeTokenizerConfig(u);
    assert.ok(E.isLeft(r), `accepted ${JSON.stringify(u)}`);
    return r.left.problems.join('\n');
  };
  assert.match(problems({ quantizer: 'rvq' }), /^quantizer: expected one of vq, fsq, msvq, got "rvq"$/m);
  const both = problems({ quantizer: 'fsq', fsqLevels: [8, 5, 5, 5] });
  assert.match(both, /codebookSize 1024 must be the FSQ code count, the product of fsqLevels \[8, 5, 5, 5\] = 1000/);
  assert.match(both, /codeDim 8 must be the number of FSQ channels, the length of fsqLevels \[8, 5, 5, 5\] = 4/);
  assert.match(problems({ fsqLevels: [8, 1] }), /^fsqLevels: expected a list of 1 to 16 integers in \[2, 256\]/m);
  assert.match(problems({ fsqLevels: [] }), /^fsqLevels: expected a list/m);
  assert.match(problems({ quantizer: 'fsq', fsqLevels: [2, 2], codebookSize: 4, codeDim: 2, noiseTopK: 4 }), /noiseTopK 4 must be below codebookSize 4 for FSQ/);
  // a VQ configuration ignores the FSQ levels
  assert.ok(E.isRight(decodeTokenizerConfig({ quantizer: 'vq', fsqLevels: [3, 3], codebookSize: 64 })));
});

test('an FSQ tokenizer has no codebook parameters and decodes its indices from the level grid', async () => {
  await ready('cpu');
  const r = decodeTokenizerConfig({ ...tinyVq, quantizer: 'fsq', fsqLevels: [4, 2, 2], codebookSize: 16, codeDim: 3 });
  assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
  const tk = tokenizer(r.right, 4);
  const params = tk.init(keyFromSeed(5));
  assert.deepEqual(params.codebook, {});
  const images = hostArray(normalHost(keyFromSeed(6), 2 * 16 * 16).map(Math.tanh), [2, 1, 16, 16]);
  const out = await runOnce((p: never, x: Node) => {
    const q = tk.encode(p, x);
    return { indices: q.indices, codes: q.codes, back: tk.quantizer.lookup({}, q.indices) };
  }, [params, images], { backend: 'cpu' }) as unknown as Record<string, HostArray>;
  assert.deepEqual(out.indices.shape, [2, 8]);
  assert.ok(Array.from(out.indices.data).every((i) => i >= 0 && i < 16));
  out.codes.data.forEach((c, k) => assert.ok(Math.abs(c - out.back.data[k]) < 1e-6));
});

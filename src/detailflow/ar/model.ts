import { GraphError } from '../../ir/errors.ts';
import type { Node } from '../../ir/node.ts';
import { broadcastTo, concat, constant, gather, matmul, reshape, sliceAxis, splitKey } from '../../ops/index.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { applyDropout } from '../../nn/dropout.ts';
import { embedding, type EmbeddingParams } from '../../nn/embedding.ts';
import { normal, zeros } from '../../nn/init.ts';
import { dense, linear, type LinearParams } from '../../nn/linear.ts';
import type { Ctx, Params } from '../../nn/module.ts';
import { rmsNorm, type RmsNormParams } from '../../nn/rms-norm.ts';
import { arBlock, placedCache, type ArBlockParams, type LayerCache } from './block.ts';
import type { ArConfig } from './config.ts';
import { partitionOf, placeholderRowsOf } from '../partition-config.ts';
import { isRangeBoundary, positionRuns, tokenSpan, type Run } from './layout.ts';
import { sequenceLayout } from '../ar-layout.ts';
import { passBias } from './pass-mask.ts';
import { ropeNodes, type RopeNodes } from './rope-2d.ts';

/** Consecutive token runs joined into one (their indices need not follow on: the scales layout selects them). */
const mergeTokenRuns = (runs: readonly Run[]): Run[] => runs.reduce<Run[]>((out, r) => {
  const last = out[out.length - 1];
  if (last && last.kind === 'tokens' && r.kind === 'tokens' && last.to === r.from) out[out.length - 1] = { ...last, to: r.to };
  else out.push(r);
  return out;
}, []);

/** Parameter names follow gpt.py's roles; weights are [in, out] (PyTorch's transposed). */
export interface ArParams {
  /** tok_embeddings [V, D]. */
  readonly tokEmbed: EmbeddingParams;
  /** cls_embedding [classes (+1 null), D]. */
  readonly classEmbed: EmbeddingParams;
  /** spe_tok_embeddings [g-1, D] (placeholderRowsOf: the largest span - 1 for an explicit partition); absent when that is 0. */
  readonly placeholders?: EmbeddingParams;
  readonly blocks: readonly ArBlockParams[];
  readonly norm: RmsNormParams;
  /** output [D, V], no bias. */
  readonly head: LinearParams;
}

/** Inputs of a forward range [from, to). */
export interface RangeInputs {
  /** Class ids [B] int32 (the null class included); needed when the range holds position 0. */
  readonly classes?: Node;
  /** The tokens the range's positions hold, [B, end - start] for tokenSpan(from, to). */
  readonly tokens?: Node;
  /** Keys and values of positions [0, from), one per layer; none when from = 0. */
  readonly cache?: readonly LayerCache[];
}

/**
 * Where a pass over the fixed-length cache sits, as data (placedPassData builds it on the host):
 * the RoPE rows of its positions [T, Dh], its mask rows against every cache position [T, L] as a
 * bias, and the placement [T, L] of its keys and values in the cache (block.ts, placedCache).
 */
export interface Placement {
  readonly rope: RopeNodes;
  readonly bias: Node;
  readonly place: Node;
}

const fail = (detail: string): never => { throw new GraphError('input', 'arModel', detail); };

/**
 * The class-conditional GPT over DetailFlow's sequence layout. `forward` computes any range of
 * positions [from, to) given the cache of [0, from): the full teacher-forced pass is the range
 * [0, N), a sampler pass without a cache is [0, L), and one with a cache is [from, L). All of
 * them share one definition, so the cached and uncached logits cannot drift apart.
 */
export const arModel = (c: ArConfig) => {
  const block = arBlock(c);
  const norm = rmsNorm({ dim: c.width, eps: c.normEps });
  // The sequence layout, masks and range boundaries all come from the configuration's partition.
  const layout = partitionOf(c);
  const placeholderRows = placeholderRowsOf(c);
  const classRows = c.classes + (c.nullClass ? 1 : 0);

  const init = (key: Key): ArParams => {
    const base = {
      tokEmbed: embedding({ vocab: c.vocab, dim: c.width, init: normal(c.initStd) }).init(foldIn(key, 0)),
      classEmbed: embedding({ vocab: classRows, dim: c.width, init: normal(c.initStd) }).init(foldIn(key, 1)),
      blocks: Array.from({ length: c.depth }, (_, i) => block.init(foldIn(foldIn(key, 3), i))),
      norm: norm.init(foldIn(key, 4)),
      head: linear({ in: c.width, out: c.vocab, bias: false, init: c.headInitStd > 0 ? normal(c.headInitStd) : zeros }).init(foldIn(key, 5)),
    };
    if (placeholderRows === 0) return base;
    return { ...base, placeholders: embedding({ vocab: placeholderRows, dim: c.width, init: normal(c.placeholderInitStd) }).init(foldIn(key, 2)) };
  };

  const embed = (p: Params<ArParams>, from: number, to: number, x: RangeInputs): Node => {
    const span = tokenSpan(from, to, layout);
    const batch = x.classes?.shape[0] ?? x.tokens?.shape[0] ?? fail('a forward range needs classes or tokens');
    // inputs 'scales': positions hold the previous scale's tokens upsampled (repeated, out of
    // order), so a run of token positions is a constant one-hot selection [n, K] of the K held
    // tokens' embeddings (one gather, one matmul) instead of a slice
    const scales = layout.inputs === 'scales';
    const held = scales ? sequenceLayout(layout) : undefined;
    const heldEmbeds = scales && x.tokens && span.end > span.start ? gather(p.tokEmbed.table, x.tokens) : undefined;
    const runs = scales ? mergeTokenRuns(positionRuns(from, to, layout)) : positionRuns(from, to, layout);
    const parts = runs.map((r) => {
      const n = r.to - r.from;
      if (r.kind === 'class') {
        if (!x.classes) return fail(`the range [${from}, ${to}) holds the class position 0, so classes [B] are needed`);
        return reshape(gather(p.classEmbed.table, x.classes), [batch, 1, c.width]);
      }
      if (r.kind === 'placeholders') {
        const table = p.placeholders?.table ?? fail('placeholder positions need params.placeholders');
        return broadcastTo(reshape(sliceAxis(table, 0, r.first, r.first + n), [1, n, c.width]), [batch, n, c.width]);
      }
      const toks = x.tokens ?? fail(`the range [${from}, ${to}) holds tokens [${span.start}, ${span.end}), so tokens are needed`);
      if (held && heldEmbeds) {
        const K = span.end - span.start;
        const pick = new Float32Array(n * K);
        for (let i = 0; i < n; i++) pick[i * K + (held[r.from + i] as { token: number }).token - span.start] = 1;
        return matmul(constant(pick, [n, K]), heldEmbeds);
      }
      return gather(p.tokEmbed.table, sliceAxis(toks, 1, r.first - span.start, r.first - span.start + n));
    });
    return concat(parts, 1);
  };

  // `cached`: the positions the cache holds (a fixed-length cache holds [0, from) in longer arrays)
  const check = (from: number, to: number, x: RangeInputs, cached: number = x.cache?.[0]?.values.shape[2] ?? 0): void => {
    if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from < to && to <= c.tokens)) fail(`need 0 <= from < to <= N = ${c.tokens}, got [${from}, ${to})`);
    if (!isRangeBoundary(to, layout) || !isRangeBoundary(from, layout)) {
      fail(c.spans === undefined ? `range [${from}, ${to}) cuts a parallel block: ends must be <= C = ${c.causal} or multiples of g = ${c.group}`
        : `range [${from}, ${to}) cuts a parallel block: ends must be span ends of the partition [${c.spans.join(', ')}]`);
    }
    if (x.cache && x.cache.length !== c.depth) fail(`the cache has ${x.cache.length} layers, the model ${c.depth}`);
    if (cached !== from) fail(`a range starting at ${from} needs the cache of positions [0, ${from}), got ${cached} cached positions`);
    const span = tokenSpan(from, to, layout);
    if (span.end > span.start && x.tokens?.shape[1] !== span.end - span.start) {
      fail(`the range [${from}, ${to}) holds tokens [${span.start}, ${span.end}): tokens must be [B, ${span.end - span.start}], got [${x.tokens?.shape ?? 'none'}]`);
    }
  };

  /** Hidden states [B, T, D] of positions [from, to) before the final norm, and the extended cache. */
  const forward = (p: Params<ArParams>, from: number, to: number, x: RangeInputs, ctx?: Ctx): { hidden: Node; cache: LayerCache[] } => {
    check(from, to, x);
    const key = (i: number): Ctx | undefined => (ctx?.key ? { ...ctx, key: splitKey(ctx.key, i) } : ctx);
    const rope = ropeNodes(from, to, c);
    const bias = passBias(from, to, layout);
    let h = applyDropout(embed(p, from, to, x), c.embedDropout, key(0));
    const cache: LayerCache[] = [];
    p.blocks.forEach((bp, i) => {
      const out = block.apply(bp, h, rope, bias, x.cache?.[i], key(i + 1));
      h = out.h;
      cache.push(out.cache);
    });
    return { hidden: h, cache };
  };

  /**
   * `forward` over a fixed-length cache of L = N positions per layer ([B, H, Dh, N], absent for the
   * first pass): the same blocks and embedding, with the positions' RoPE rows, mask rows and cache
   * rows given as data. The graph depends on [from, to) only through what its positions hold
   * (placedShapeOf), so the passes of a plan share a few graphs. Attention reads all N positions;
   * those not yet written are masked, and add exact zeros.
   */
  const forwardPlaced = (p: Params<ArParams>, from: number, to: number, x: RangeInputs, at: Placement): { hidden: Node; cache: LayerCache[] } => {
    check(from, to, x, from);
    const T = to - from;
    const L = c.tokens;
    const want = (what: string, n: Node, shape: readonly number[]) => {
      if (n.shape.length !== shape.length || n.shape.some((d, i) => d !== shape[i])) fail(`${what} must be [${shape}], got [${n.shape}]`);
    };
    want('the placement', at.place, [T, L]);
    want('the pass bias', at.bias, [T, L]);
    if (x.cache && x.cache[0].keys.shape[3] !== L) fail(`a fixed-length cache holds N = ${L} positions (its last axis), got ${x.cache[0].keys.shape[3]}`);
    if ((from === 0) !== (x.cache === undefined)) fail(`a pass from ${from} ${from === 0 ? 'starts the cache and takes none' : 'needs the cache of the earlier passes'}`);
    const layout = placedCache(at.place);
    let h = embed(p, from, to, x);
    const cache: LayerCache[] = [];
    p.blocks.forEach((bp, i) => {
      const out = block.apply(bp, h, at.rope, at.bias, x.cache?.[i], undefined, layout);
      h = out.h;
      cache.push(out.cache);
    });
    return { hidden: h, cache };
  };

  /** Final norm and head: hidden [..., D] -> logits [..., V]. */
  const logits = (p: Params<ArParams>, hidden: Node): Node => dense(norm.apply(p.norm, hidden), p.head.w);

  /**
   * Teacher forcing (training): classes [B] and codes [B, >= N-g] (only the first N-g are
   * inputs, as gpt.py's z_input) -> logits [B, N, V]; position p predicts token p.
   */
  const apply = (p: Params<ArParams>, classes: Node, codes: Node, ctx?: Ctx): Node => {
    const span = tokenSpan(0, c.tokens, layout);
    if (codes.shape.length !== 2 || codes.shape[1] < span.end) fail(`codes must be [B, >= ${span.end}], got [${codes.shape}]`);
    return logits(p, forward(p, 0, c.tokens, { classes, tokens: sliceAxis(codes, 1, 0, span.end) }, ctx).hidden);
  };

  return { config: c, layout, init, embed, forward, forwardPlaced, logits, apply };
};

export type ArModel = ReturnType<typeof arModel>;

import { GraphError } from '../../ir/errors.ts';
import type { Node } from '../../ir/node.ts';
import { concat, sliceAxis } from '../../ops/index.ts';
import type { Params } from '../../nn/module.ts';
import type { LayerCache } from '../ar/block.ts';
import type { ArModel, ArParams } from '../ar/model.ts';
import type { Span } from '../noise-span.ts';
import { cfgMix, sampleLogits } from './filter.ts';

/** The static shape of one sampler pass: everything that changes the graph. */
export interface PassSpec {
  /** Positions computed: [from, to); from = 0 without a cache. */
  readonly from: number;
  readonly to: number;
  /** The tokens this pass samples, from the logits at the same positions. */
  readonly sample: Span;
  /** CFG: the model runs on [cond ; null] rows and the logits are mixed back to B rows. */
  readonly doubled: boolean;
  readonly topK?: number;
  readonly topP?: number;
  /** Return the cache extended by this pass (not on the last pass). */
  readonly keepCache: boolean;
  /**
   * The cache has a fixed length N and the pass's place in it is data (PassInputs.placement), so
   * passes of one shape (placedShapeOf) share a graph; otherwise the cache grows pass by pass.
   */
  readonly placed?: boolean;
}

/** The per-call inputs; scale and temperature are runtime scalars, so schedules reuse the plan. */
export interface PassInputs {
  /** [B] or [2B] (with the null rows) int32; when the pass holds position 0. */
  readonly classes?: Node;
  /** [B, K] int32, the conditional rows only (duplicated here for CFG). */
  readonly tokens?: Node;
  readonly cache?: readonly LayerCache[];
  /** With `placed`: the pass's RoPE rows, mask rows and cache placement (placementOf). */
  readonly placement?: { readonly cos: Node; readonly sin: Node; readonly bias: Node; readonly place: Node };
  readonly key: Node;
  readonly scale: Node;
  readonly temperature: Node;
}

export interface PassOutputs {
  /** int32 [B, sample.end - sample.start]: only the new token indices leave the device. */
  readonly tokens: Node;
  readonly cache?: readonly LayerCache[];
}

/**
 * One forward pass of a sampler as a traced function: embed the new positions, run the blocks
 * over the cache, take the logits of the sampled positions only, mix CFG, and draw the tokens.
 */
export const passGraph = (model: ArModel, s: PassSpec) => (params: Params<ArParams>, x: PassInputs): PassOutputs => {
  const tokens = x.tokens && s.doubled ? concat([x.tokens, x.tokens], 0) : x.tokens;
  const range = { classes: x.classes, tokens, cache: x.cache };
  const at = x.placement;
  if (s.placed && !at) throw new GraphError('input', 'sampler pass', 'a placed pass needs its placement (placementOf)');
  const { hidden, cache } = s.placed && at
    ? model.forwardPlaced(params, s.from, s.to, range, { rope: { cos: at.cos, sin: at.sin }, bias: at.bias, place: at.place })
    : model.forward(params, s.from, s.to, range);
  const logits = model.logits(params, sliceAxis(hidden, 1, s.sample.start - s.from, s.sample.end - s.from));
  const rows = logits.shape[0];
  const mixed = s.doubled ? cfgMix(sliceAxis(logits, 0, 0, rows / 2), sliceAxis(logits, 0, rows / 2, rows), x.scale) : logits;
  const next = sampleLogits(x.key, mixed, x.temperature, { topK: s.topK, topP: s.topP });
  return s.keepCache ? { tokens: next, cache } : { tokens: next };
};

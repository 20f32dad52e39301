import type { HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import { add, broadcastTo, concat, constant, sliceAxis } from '../../ops/index.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { normal } from '../../nn/init.ts';
import { linear, type LinearParams } from '../../nn/linear.ts';
import { transformerStack, type TransformerStackParams } from '../../nn/transformer-stack.ts';
import type { Params } from '../../nn/module.ts';
import { GraphError } from '../../ir/errors.ts';
import { gridPositions } from './grid-positions.ts';
import { unpatchify } from './patches.ts';
import type { TokenizerConfig } from './config.ts';

export interface DecoderParams {
  readonly postQuant: LinearParams;
  readonly latentPos: HostArray;
  readonly maskToken: HostArray;
  readonly stack: TransformerStackParams;
  readonly toPixels: LinearParams;
}

/**
 * ViT decoder with a variable output size: [a grid of mask tokens at side/P ; the first t of its
 * `rows` inputs (the tokens' codes, or the grid a multi-scale quantiser builds from them)],
 * full bidirectional attention (the prefix is enforced by truncation, as in the reference),
 * then a linear to pixels and unpatchify. The output has side `side`, i.e. dec(t) in training.
 */
export const decoder = (c: TokenizerConfig, rows: number = c.tokens) => {
  const D = c.decoderWidth;
  const postQuant = linear({ in: c.codeDim, out: D });
  const toPixels = linear({ in: D, out: c.patch * c.patch * c.channels });
  const stack = transformerStack({ width: D, heads: c.decoderHeads, mlpWidth: D * c.mlpRatio, depth: c.decoderDepth, finalNorm: true, eps: 1e-6 });
  const std = normal(0.02);
  return {
    init: (key: Key): DecoderParams => ({
      postQuant: postQuant.init(foldIn(key, 0)),
      latentPos: std(foldIn(key, 1), [rows, D]),
      maskToken: std(foldIn(key, 2), [D]),
      stack: stack.init(foldIn(key, 3)),
      toPixels: toPixels.init(foldIn(key, 4)),
    }),
    /** codes [B, t, codeDim] (unit vectors) -> images [B, C, side, side]. */
    apply: (p: Params<DecoderParams>, codes: Node, side: number): Node => {
      const [b, t] = codes.shape;
      if (side % c.patch !== 0 || t < 1 || t > rows) {
        throw new GraphError('shape', 'decoder', `needs 1..${rows} codes and a side that is a multiple of ${c.patch}, got t = ${t}, side ${side}`);
      }
      const s = side / c.patch;
      const pos = gridPositions(s, D);
      const grid = broadcastTo(add(p.maskToken, constant(pos.data, pos.shape)), [b, s * s, D]);
      const lat = add(postQuant.apply(p.postQuant, codes), sliceAxis(p.latentPos, 0, 0, t));
      const h = stack.apply(p.stack, concat([grid, lat], 1));
      return unpatchify(toPixels.apply(p.toPixels, sliceAxis(h, 1, 0, s * s)), c.patch, c.channels, s);
    },
  };
};

import type { Node } from '../../ir/node.ts';
import { GraphError } from '../../ir/errors.ts';
import { reshape, transpose } from '../../ops/index.ts';

/**
 * [B, C, H, W] -> [B, (H/P)(W/P), P*P*C], each patch vector ordered (row in patch, column in
 * patch, channel) with the channel fastest, as the reference's convert_image_to_patches.
 */
export const patchify = (x: Node, patch: number): Node => {
  const [b, c, h, w] = x.shape;
  if (x.shape.length !== 4 || h % patch !== 0 || w % patch !== 0) {
    throw new GraphError('shape', 'patchify', `needs [B, C, H, W] with H and W multiples of the patch size ${patch}`, [{ shape: x.shape, dtype: x.dtype }]);
  }
  const grid = reshape(x, [b, c, h / patch, patch, w / patch, patch]);
  return reshape(transpose(grid, [0, 2, 4, 3, 5, 1]), [b, (h / patch) * (w / patch), patch * patch * c]);
};

/** The inverse of patchify for a square side x side grid of patches. */
export const unpatchify = (tokens: Node, patch: number, channels: number, side: number): Node => {
  const [b, n, d] = tokens.shape;
  if (tokens.shape.length !== 3 || n !== side * side || d !== patch * patch * channels) {
    throw new GraphError('shape', 'unpatchify', `needs [B, ${side * side}, ${patch * patch * channels}]`, [{ shape: tokens.shape, dtype: tokens.dtype }]);
  }
  const grid = reshape(tokens, [b, side, side, patch, patch, channels]);
  return reshape(transpose(grid, [0, 5, 1, 3, 2, 4]), [b, channels, side * patch, side * patch]);
};

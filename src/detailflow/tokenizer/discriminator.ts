/**
 * The tokenizer's discriminator, after the reference's DinoDisc: a frozen feature network with
 * trainable heads on its feature taps. The reference taps a self-supervised DINO ViT-S five
 * times; here the frozen network is the tokenizer's own teacher (trained on this data; never the
 * metric network), tapped at each of its feature maps. Each head works per position (the
 * reference's kernel-1 convolutions): a spectral-norm linear layer, batch norm (training mode)
 * and LeakyReLU(0.2), a residual block of the same scaled by 1/sqrt(2), and a spectral-norm linear
 * layer to one logit. Batch norm is there because spectral-norm layers are 1-Lipschitz, so
 * without it the logits stay as small as the frozen features; at this scale the discriminator
 * stayed at chance with it too (docs/tokenizer-recipe.md). The reference's kernel-9 circular convolution inside
 * the residual block is left out: at 32x32 the maps hold a few dozen positions. The logits of
 * every position of every tap form one row per image.
 *
 * `pixelPatch` > 0 adds one more tap beside the backbone's (not in the reference): the image
 * itself cut into pixelPatch x pixelPatch patches, one position per patch. A classifier
 * backbone is trained to ignore blur; the pixels are where blur shows.
 */
import { GraphError } from '../../ir/errors.ts';
import type { HostArray } from '../../ir/host-array.ts';
import { isHostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import type { LinearParams } from '../../nn/linear.ts';
import type { Params } from '../../nn/module.ts';
import { spectralLinear } from '../../nn/spectral-norm.ts';
import { batchNorm, type BatchNormParams } from '../../nn/batch-norm.ts';
import { add, concat, input, maximum, mul, reshape } from '../../ops/index.ts';
import { keyFromSeed, split, type Key } from '../../random/key.ts';
import { mapTree, type Tree } from '../../tree/tree.ts';
import type { AnyNetworkTeacher } from '../teacher/teacher.ts';
import { patchify } from './patches.ts';

export interface HeadParams {
  readonly first: LinearParams;
  readonly firstNorm: BatchNormParams;
  readonly residual: LinearParams;
  readonly residualNorm: BatchNormParams;
  readonly last: LinearParams;
}

export interface DiscriminatorParams {
  /** One head per feature tap of the frozen network. */
  readonly heads: readonly HeadParams[];
}

const leaky = (x: Node): Node => maximum(x, mul(x, 0.2));

/** The channel count of each of a network teacher's feature maps (traced on placeholders; nothing runs). */
export const tapChannels = (teacher: AnyNetworkTeacher): number[] => {
  let i = 0;
  const params = mapTree(isHostArray, (h: HostArray) => input(i++, h.shape, h.dtype), teacher.init(keyFromSeed(0)) as Tree<HostArray>);
  const images = input(i, [1, teacher.channels, teacher.size, teacher.size]);
  return teacher.features(params as never, images).maps.map((m) => m.shape[m.shape.length - 1]);
};

export const discriminator = (teacher: AnyNetworkTeacher, hidden: number, pixelPatch = 0) => {
  if (pixelPatch > 0 && teacher.size % pixelPatch !== 0) {
    throw new GraphError('config', 'discriminator', `train.discPixelPatch ${pixelPatch} must divide the side of the images the discriminator sees (${teacher.size}, the teacher's)`);
  }
  const channels = [...tapChannels(teacher), ...(pixelPatch > 0 ? [pixelPatch * pixelPatch * teacher.channels] : [])];
  const head = (c: number) => ({
    first: spectralLinear({ in: c, out: hidden }),
    firstNorm: batchNorm({ dim: hidden }),
    residual: spectralLinear({ in: hidden, out: hidden }),
    residualNorm: batchNorm({ dim: hidden }),
    last: spectralLinear({ in: hidden, out: 1 }),
  });
  const heads = channels.map(head);
  return {
    channels,
    init: (key: Key): DiscriminatorParams => ({
      heads: heads.map((h, i) => {
        const [k1, k2, k3, k4, k5] = split(split(key, heads.length)[i], 5);
        return { first: h.first.init(k1), firstNorm: h.firstNorm.init(k4), residual: h.residual.init(k2), residualNorm: h.residualNorm.init(k5), last: h.last.init(k3) };
      }),
    }),
    /**
     * Logits [B, positions of all taps] for images [B, C, size, size] in [-1, 1]; the teacher's
     * parameters are frozen (the caller passes them as a graph input it does not differentiate).
     */
    logits: (p: Params<DiscriminatorParams>, teacherParams: unknown, images: Node): Node => {
      const maps = [...teacher.features(teacherParams as never, images).maps, ...(pixelPatch > 0 ? [patchify(images, pixelPatch)] : [])];
      const rows = maps.map((m, i) => {
        const h = heads[i];
        const hp = p.heads[i];
        const x = leaky(h.firstNorm.apply(hp.firstNorm, h.first.apply(hp.first, m)));
        const r = mul(add(x, leaky(h.residualNorm.apply(hp.residualNorm, h.residual.apply(hp.residual, x)))), Math.SQRT1_2);
        const out = h.last.apply(hp.last, r);
        return reshape(out, [out.shape[0], -1]);
      });
      return rows.length === 1 ? rows[0] : concat(rows, 1);
    },
  };
};

export type Discriminator = ReturnType<typeof discriminator>;

import { GraphError } from '../../../ir/errors.ts';
import type { TokenizerConfig } from '../config.ts';
import { fsqQuantizer } from './fsq.ts';
import { l2VectorQuantizer } from './l2-vq.ts';
import { multiScaleResidualVq, scalesOfSpans } from './multi-scale-vq.ts';
import type { Quantizer } from './quantizer.ts';

export type QuantizerFields = Pick<TokenizerConfig, 'quantizer' | 'fsqLevels' | 'codebookSize' | 'codeDim' | 'size' | 'patch'> & { readonly spans?: readonly number[] };

/**
 * The quantiser a tokenizer configuration names (`quantizer`, default 'vq'). The multi-scale
 * residual VQ takes its scales from the spans (one span of s^2 tokens per scale) and quantises
 * the (size / patch)^2 patch grid.
 */
export const quantizerFor = (c: QuantizerFields): Quantizer => {
  switch (c.quantizer) {
    case 'vq': return l2VectorQuantizer(c.codebookSize, c.codeDim);
    case 'fsq': return fsqQuantizer(c.fsqLevels);
    case 'msvq': {
      if (c.spans === undefined) throw new GraphError('config', 'quantizerFor', 'quantizer msvq needs spans: one span of s^2 tokens per scale, e.g. [1, 4, 9, 16, 25, 36, 64]');
      return multiScaleResidualVq(c.codebookSize, c.codeDim, scalesOfSpans(c.spans), c.size / c.patch);
    }
  }
};

import type { TokenizerConfig } from '../config.ts';
import { fsqQuantizer } from './fsq.ts';
import { l2VectorQuantizer } from './l2-vq.ts';
import type { Quantizer } from './quantizer.ts';

/** The quantiser a tokenizer configuration names (`quantizer`, default 'vq'). */
export const quantizerFor = (c: Pick<TokenizerConfig, 'quantizer' | 'fsqLevels' | 'codebookSize' | 'codeDim'>): Quantizer => {
  switch (c.quantizer) {
    case 'vq': return l2VectorQuantizer(c.codebookSize, c.codeDim);
    case 'fsq': return fsqQuantizer(c.fsqLevels);
  }
};

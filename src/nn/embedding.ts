import type { HostArray } from '../ir/host-array.ts';
import { GraphError } from '../ir/errors.ts';
import { gather } from '../ops/index.ts';
import { normal, type Initializer } from './init.ts';
import type { Layer } from './module.ts';

export interface EmbeddingConfig {
  readonly vocab: number;
  readonly dim: number;
  /** Default normal(0.02), as in GPT-2 and LlamaGen. */
  readonly init?: Initializer;
}

export interface EmbeddingParams {
  readonly table: HostArray;
}

/** Rows of a [vocab, dim] table at int32 ids: ids[...] -> [..., dim]. Its gradient is a segment sum. */
export const embedding = (cfg: EmbeddingConfig): Layer<EmbeddingParams> => {
  const init = cfg.init ?? normal(0.02);
  return {
    init: (key) => ({ table: init(key, [cfg.vocab, cfg.dim]) }),
    apply: (p, ids) => {
      if (ids.dtype !== 'int32') throw new GraphError('dtype', 'embedding', `ids must be int32, got ${ids.dtype}`);
      return gather(p.table, ids);
    },
  };
};

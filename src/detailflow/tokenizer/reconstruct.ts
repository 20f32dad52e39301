import { compile, type Compiled } from '../../compile/compile.ts';
import type { HostArray } from '../../ir/host-array.ts';
import type { BackendName } from '../../compile/backend.ts';
import type { Node } from '../../ir/node.ts';
import { sliceAxis } from '../../ops/index.ts';
import { psnrExpr } from '../../eval/psnr.ts';
import { resizeExpr } from '../resize-expr.ts';
import type { Params } from '../../nn/module.ts';
import { partitionOf } from '../partition-config.ts';
import { passPlanOf } from '../pass-plan.ts';
import { degradeExpr } from '../degradation.ts';
import { bicubic } from '../resampling.ts';
import type { Tokenizer, TokenizerParams } from './model.ts';

/** The prefixes a reconstruction shows: the end of every pass of the sampler's plan. */
export const prefixBoundaries = (tk: Tokenizer): number[] =>
  passPlanOf(partitionOf(tk.config)).map((p) => p.end);

export interface PrefixResult {
  readonly t: number;
  readonly side: number;
  /** Decoded images [K, C, dec(t), dec(t)]. */
  readonly images: HostArray;
  /** Mean PSNR against the degraded target at dec(t), and against the original after bicubic upscaling. */
  readonly psnrTarget: number;
  readonly psnrOriginal: number;
}

/**
 * Encodes a batch once and decodes every boundary prefix t at dec(t): the coarse-to-fine
 * picture, with PSNRs. One compiled plan per t, reused across batches.
 */
export const reconstructor = (tk: Tokenizer, backend: BackendName) => {
  const encodeF = compile((p: Params<TokenizerParams>, x: Node) => tk.encode(p, x).indices, { backend, name: 'encode' });
  const decoders = new Map<number, Compiled<{ images: Node; psnrTarget: Node; psnrOriginal: Node }>>();
  const decodeF = (t: number) => {
    let d = decoders.get(t);
    if (!d) {
      d = compile((p: Params<TokenizerParams>, idx: Node, x: Node) => {
        const images = tk.decodeIndices(p, sliceAxis(idx, 1, 0, t));
        return { images, psnrTarget: psnrExpr(images, degradeExpr(tk.degradation, x, t)), psnrOriginal: psnrExpr(resizeExpr(images, tk.config.size, bicubic), x) };
      }, { backend, name: `decode-t${t}` });
      decoders.set(t, d);
    }
    return d;
  };
  return {
    /** Encodes once and decodes every prefix; also returns the token indices [K, N] of that encoding. */
    decodePrefixes: async (params: unknown, images: HostArray, ts: readonly number[] = prefixBoundaries(tk)): Promise<{ indices: HostArray; prefixes: PrefixResult[] }> => {
      const indices = await encodeF.host(params, images);
      const results: PrefixResult[] = [];
      for (const t of ts) {
        const out = await decodeF(t).host(params, indices, images);
        const avg = (h: HostArray) => Array.from(h.data).reduce((a, b) => a + b, 0) / h.data.length;
        results.push({ t, side: tk.decoderSide(t), images: out.images, psnrTarget: avg(out.psnrTarget), psnrOriginal: avg(out.psnrOriginal) });
      }
      return { indices, prefixes: results };
    },
  };
};


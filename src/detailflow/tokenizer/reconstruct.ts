import { compile, release, type Compiled } from '../../compile/compile.ts';
import type { HostArray } from '../../compile/device-array.ts';
import type { BackendName } from '../../compile/backend.ts';
import type { Node } from '../../ir/node.ts';
import { matmul, constant, sliceAxis, mean, square, sub, log, mul } from '../../ops/index.ts';
import type { Params } from '../../nn/module.ts';
import { passPlan } from '../api.ts';
import { degradeExpr } from '../degradation.ts';
import { bicubic, resamplingMatrix } from '../resampling.ts';
import type { Tokenizer, TokenizerParams } from './model.ts';

/** The prefixes a reconstruction shows: the end of every pass of the sampler's plan. */
export const prefixBoundaries = (tk: Tokenizer): number[] =>
  passPlan({ tokens: tk.config.tokens, group: tk.config.group, causal: tk.config.causal }).map((p) => p.end);

const upsampleTo = (x: Node, size: number): Node => {
  const s = x.shape[x.shape.length - 1];
  if (s === size) return x;
  return matmul(matmul(constant(resamplingMatrix(bicubic, s, size), [size, s]), x), constant(resamplingMatrix(bicubic, s, size, true), [s, size]));
};

/** PSNR of images in [-1, 1] (data range 2), per image. */
const psnr = (a: Node, b: Node): Node => sub(10 * Math.log10(4), mul(log(mean(square(sub(a, b)), [1, 2, 3])), 10 / Math.LN10));

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
        return { images, psnrTarget: psnr(images, degradeExpr(tk.degradation, x, t)), psnrOriginal: psnr(upsampleTo(images, tk.config.size), x) };
      }, { backend, name: `decode-t${t}` });
      decoders.set(t, d);
    }
    return d;
  };
  return {
    /** Token indices [K, N] of a batch. */
    encode: async (params: unknown, images: HostArray): Promise<HostArray> => {
      const out = await encodeF.run(params, images);
      const h = await out.host();
      release(out);
      return h;
    },
    decodePrefixes: async (params: unknown, images: HostArray, ts: readonly number[] = prefixBoundaries(tk)): Promise<PrefixResult[]> => {
      const idx = await encodeF.run(params, images);
      const results: PrefixResult[] = [];
      for (const t of ts) {
        const out = await decodeF(t).run(params, idx, images);
        const [im, pt, po] = await Promise.all([out.images.host(), out.psnrTarget.host(), out.psnrOriginal.host()]);
        const avg = (h: HostArray) => Array.from(h.data).reduce((a, b) => a + b, 0) / h.data.length;
        results.push({ t, side: tk.decoderSide(t), images: im, psnrTarget: avg(pt), psnrOriginal: avg(po) });
        release(out);
      }
      release(idx);
      return results;
    },
    dispose: () => { encodeF.dispose(); for (const d of decoders.values()) d.dispose(); },
  };
};


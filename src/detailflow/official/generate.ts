/**
 * Class-conditional generation with imported official models: the project's grouped sampler (KV
 * cache, CFG, filters) runs the GPT, the official decoder turns tokens into pixels at dec(N) (256
 * px for the released models). It returns the same Generation the project's pictures take, with
 * the time of every pass, so long runs can show progress.
 */
import { runOnce } from '../../compile/compile.ts';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import { imagesOfBatch } from '../../io/image-grid.ts';
import type { Key } from '../../random/key.ts';
import { sliceAxis } from '../../ops/index.ts';
import type { ArConfig } from '../ar/config.ts';
import type { ArParams } from '../ar/model.ts';
import type { Frame, Generation } from '../pretrained/generator.ts';
import type { SampleOptions } from '../sample/options.ts';
import { arSampler } from '../sample/sampler.ts';
import type { OfficialTokenizerConfig } from './config.ts';
import { officialTokenizer, type OfficialTokenizerParams } from './tokenizer.ts';

export interface PassTiming {
  readonly index: number;
  /** Tokens known after the pass. */
  readonly end: number;
  /** Seconds the pass took (with its decode when progressive). */
  readonly seconds: number;
}

export interface OfficialModels {
  readonly tokenizer: { readonly config: OfficialTokenizerConfig; readonly params: OfficialTokenizerParams };
  readonly ar: { readonly config: ArConfig; readonly ema: ArParams };
}

/** Decodes the first t tokens of every row at dec(t): images [B, 3, side, side]. */
export const decodeTokens = async (m: OfficialModels['tokenizer'], tokens: HostArray, t: number, backend?: string): Promise<HostArray> => {
  const tk = officialTokenizer(m.config);
  return await runOnce((p: never, k: Node) => tk.decodeCodes(p, sliceAxis(k, 1, 0, t), tk.decoderSide(t)), [m.params, tokens], backend ? { backend } : {}) as HostArray;
};

export const generateOfficial = async (
  m: OfficialModels, labels: readonly number[], key: Key, sampling: Omit<SampleOptions, 'tokenizer'>,
  o: { backend?: string; progressive?: boolean; onPass?: (p: PassTiming, total: number) => void } = {},
): Promise<Generation & { readonly timings: readonly PassTiming[] }> => {
  const c = m.tokenizer.config;
  const sampler = arSampler(m.ar.config, o.backend ? { backend: o.backend } : {});
  const total = c.causal + (c.tokens - c.causal) / c.group;
  const timings: PassTiming[] = [];
  const frames: Frame[] = [];
  const start = performance.now();
  // uploaded first so that pass 1's time leaves the upload out; freed when the call's arrays are collected
  const params = await sampler.upload(m.ar.ema);
  let last = performance.now();
  const r = await sampler.grouped(params, labels, key, { ...sampling, tokenizer: { codebookSize: c.codebookSize, tokens: c.tokens, group: c.group, causal: c.causal } }, {
    onPass: async (p) => {
      if (o.progressive) {
        const images = imagesOfBatch(await decodeTokens(m.tokenizer, hostArray(p.tokens.data, p.tokens.shape), p.end, o.backend));
        frames.push({ index: p.index, tokens: p.end, images, elapsedMs: performance.now() - start });
      }
      const now = performance.now();
      const timing = { index: p.index, end: p.end, seconds: (now - last) / 1000 };
      last = now;
      timings.push(timing);
      o.onPass?.(timing, total);
    },
  });
  const images = imagesOfBatch(await decodeTokens(m.tokenizer, r.tokens, c.tokens, o.backend));
  return { tokens: r.tokens, images, passes: r.passes, frames, seconds: (performance.now() - start) / 1000, timings };
};

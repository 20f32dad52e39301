/**
 * Class-conditional generation with imported official models: the project's grouped sampler (KV
 * cache, CFG, filters) runs the GPT, the official decoder turns tokens into pixels at dec(N) (256
 * px for the released models). It returns the same Generation the project's pictures take, with
 * the time of every pass, so long runs can show progress.
 */
import { compile, type Compiled } from '../../compile/compile.ts';
import { devicePut } from '../../compile/device-put.ts';
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

/**
 * Decoding token prefixes with an imported official tokenizer: its parameters go to the device
 * once and each prefix length t gets one compiled plan, so decoding every pass (or every prefix
 * of a reconstruction) neither re-uploads the weights nor recompiles.
 */
export const officialDecoder = (m: OfficialModels['tokenizer'], backend?: string) => {
  const tk = officialTokenizer(m.config);
  const opts = backend ? { backend } : {};
  const plans = new Map<number, Compiled<Node>>();
  let device: Promise<unknown> | undefined;
  /** The first t tokens of every row of `tokens` at dec(t): images [B, 3, side, side]. */
  return async (tokens: HostArray, t: number): Promise<HostArray> => {
    device ??= devicePut(m.params, opts);
    let plan = plans.get(t);
    if (!plan) {
      plan = compile((p: never, k: Node) => tk.decodeCodes(p, sliceAxis(k, 1, 0, t), tk.decoderSide(t)), { ...opts, name: `official-decode-t${t}` });
      plans.set(t, plan);
    }
    return plan.host(await device, tokens);
  };
};

/** Decodes the first t tokens of every row at dec(t) once: images [B, 3, side, side]. */
export const decodeTokens = (m: OfficialModels['tokenizer'], tokens: HostArray, t: number, backend?: string): Promise<HostArray> =>
  officialDecoder(m, backend)(tokens, t);

export const generateOfficial = async (
  m: OfficialModels, labels: readonly number[], key: Key, sampling: Omit<SampleOptions, 'tokenizer'>,
  o: { backend?: string; progressive?: boolean; onPass?: (p: PassTiming, total: number) => void } = {},
): Promise<Generation & { readonly timings: readonly PassTiming[] }> => {
  const c = m.tokenizer.config;
  const sampler = arSampler(m.ar.config, o.backend ? { backend: o.backend } : {});
  const decode = officialDecoder(m.tokenizer, o.backend);
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
        const images = imagesOfBatch(await decode(hostArray(p.tokens.data, p.tokens.shape), p.end));
        frames.push({ index: p.index, tokens: p.end, images, elapsedMs: performance.now() - start });
      }
      const now = performance.now();
      const timing = { index: p.index, end: p.end, seconds: (now - last) / 1000 };
      last = now;
      timings.push(timing);
      o.onPass?.(timing, total);
    },
  });
  const images = imagesOfBatch(await decode(r.tokens, c.tokens));
  return { tokens: r.tokens, images, passes: r.passes, frames, seconds: (performance.now() - start) / 1000, timings };
};

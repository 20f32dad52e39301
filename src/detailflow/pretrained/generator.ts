/**
 * Class-conditional generation with a trained pair: the grouped sampler draws N tokens per label,
 * the tokenizer decodes them. Optionally every pass's prefix is decoded too (the coarse-to-fine
 * frames), live through `onFrame` while sampling or in one go afterwards.
 */
import type { CompileOptions } from '../../compile/compile.ts';
import type { HostArray } from '../../ir/host-array.ts';
import type { FloatImage } from '../../io/image-grid.ts';
import type { Key } from '../../random/key.ts';
import { arSampler, type DeviceParams, type SampleResult } from '../sample/sampler.ts';
import type { SampleOptions } from '../sample/options.ts';
import type { ArModelFile, TokenizerModel } from './model-files.ts';
import { prefixDecoder } from './prefix-decoder.ts';
import { passCountOf } from '../pass-plan.ts';
import { partitionOf } from '../partition-config.ts';

export interface Frame {
  /** Pass number, from 0. */
  readonly index: number;
  /** Tokens decoded: the prefix length t after this pass. */
  readonly tokens: number;
  /** One image per label, dec(t) pixels wide. */
  readonly images: readonly FloatImage[];
  /** Milliseconds since the call started. */
  readonly elapsedMs: number;
}

export interface GenerateOptions {
  /** Decode the prefix after every pass and return the frames. */
  readonly progressive?: boolean;
  /** Called with each pass's frame as soon as it is decoded (implies decoding every pass). */
  readonly onFrame?: (frame: Frame) => void | Promise<void>;
  /**
   * Called after each pass with the passes done and the total (progress). Each pass is then read
   * back before the next starts, as with onFrame; the tokens drawn are the same.
   */
  readonly onPass?: (done: number, passes: number) => void;
}

export interface Generation {
  /** int32 [B, N] token indices. */
  readonly tokens: HostArray;
  /** The decoded images at full size, one per label. */
  readonly images: readonly FloatImage[];
  readonly passes: number;
  /** Frames per pass (when progressive or onFrame). */
  readonly frames: readonly Frame[];
  readonly seconds: number;
}

export interface Generator {
  readonly passes: number;
  generate(labels: readonly number[], key: Key, sampling?: Omit<SampleOptions, 'tokenizer'>, opts?: GenerateOptions): Promise<Generation>;
}

export const generator = (models: { readonly tokenizer: TokenizerModel; readonly ar: ArModelFile }, copts: CompileOptions = {}): Generator => {
  const tc = models.tokenizer.tk.config;
  const sampler = arSampler(models.ar.config, copts);
  const decoder = prefixDecoder(models.tokenizer, copts);
  let weights: Promise<DeviceParams> | undefined;
  const tokenizerShape = { codebookSize: tc.codebookSize, tokens: tc.tokens, group: tc.group, causal: tc.causal, ...(tc.spans ? { spans: tc.spans } : {}) };
  const passes = passCountOf(partitionOf(tc));
  return {
    passes,
    generate: async (labels, key, sampling = {}, opts = {}) => {
      const started = performance.now();
      const frames: Frame[] = [];
      const frame = async (index: number, tokens: number, indices: HostArray): Promise<void> => {
        const f = { index, tokens, images: await decoder.decode(tokens, indices), elapsedMs: performance.now() - started };
        frames.push(f);
        await opts.onFrame?.(f);
      };
      weights ??= sampler.upload(models.ar.ema);
      const live = opts.onFrame !== undefined;
      const onPass = opts.onPass;
      const result: SampleResult = await sampler.grouped(await weights, labels, key, { ...sampling, tokenizer: tokenizerShape },
        live || onPass ? {
          onPass: async (p) => {
            if (live) await frame(p.index, p.end, p.tokens);
            onPass?.(p.index + 1, passes);
          },
        } : {});
      if (opts.progressive && !live) {
        for (const [i, s] of result.log.entries()) await frame(i, s.sample.end, result.tokens);
      }
      const last = frames.at(-1);
      const images = last && last.tokens === tc.tokens ? last.images : await decoder.decode(tc.tokens, result.tokens);
      return { tokens: result.tokens, images, passes: result.passes, frames: opts.progressive || live ? frames : [], seconds: (performance.now() - started) / 1000 };
    },
  };
};

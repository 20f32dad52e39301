/**
 * Class-conditional samples for evaluation: the grouped sampler draws N tokens per label, the
 * tokenizer decodes them at full size, clamped to [-1, 1], and the metric network reads them
 * (features for gFD and precision/recall, predictions for class accuracy). Batch i uses the key
 * foldIn(key, i), so a run is a pure function of (models, labels, batch size, key, options).
 */
import { compile, type CompileOptions } from '../compile/compile.ts';
import { devicePut } from '../compile/device-put.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import type { Params } from '../nn/module.ts';
import { foldIn, type Key } from '../random/key.ts';
import type { ArConfig } from '../detailflow/ar/config.ts';
import type { ArParams } from '../detailflow/ar/model.ts';
import type { SampleOptions } from '../detailflow/sample/options.ts';
import { arSampler } from '../detailflow/sample/sampler.ts';
import type { Tokenizer, TokenizerParams } from '../detailflow/tokenizer/model.ts';
import { clampImages } from '../eval/clamp.ts';
import { featureCollector, type FeatureExtractor, type FeatureSet } from '../eval/evaluator/features.ts';
import type { OnBatch } from './reconstruction-eval.ts';

export interface GenerationEval {
  readonly samples: number;
  /** The class each sample was asked for. */
  readonly labels: Int32Array;
  readonly features: FeatureSet;
  /** Sampling and decoding only, plans' compilation included. */
  readonly seconds: number;
  /** Forward passes of the AR model per image. */
  readonly passes: number;
}

export const evaluateGeneration = async (
  models: {
    readonly tk: Tokenizer; readonly params: TokenizerParams;
    /** `sampler` 'token-by-token' for a next-token (g = 1) model; default 'grouped'. */
    readonly ar: { readonly config: ArConfig; readonly ema: ArParams; readonly sampler?: 'grouped' | 'token-by-token' };
  },
  ex: FeatureExtractor, labels: Int32Array, batch: number, key: Key, sampling: SampleOptions, opts: CompileOptions = {},
  onBatch?: OnBatch,
): Promise<GenerationEval> => {
  const { tk, params, ar } = models;
  const sampler = arSampler(ar.config, opts);
  const decode = compile((p: Params<TokenizerParams>, idx: Node) => clampImages(tk.decodeIndices(p, idx)), { ...opts, name: 'decode-full' });
  const collect = featureCollector(ex.featureDim);
  let seconds = 0;
  let passes = 0;
  const tkDevice = await devicePut(params, opts);
  const arDevice = await sampler.upload(ar.ema);
  for (let s = 0, i = 0; s < labels.length; s += batch, i++) {
    const t0 = performance.now();
    const r = await (ar.sampler === 'token-by-token' ? sampler.tokenByToken : sampler.grouped)(arDevice, labels.subarray(s, Math.min(s + batch, labels.length)), foldIn(key, i), sampling);
    const images: HostArray = await decode.host(tkDevice, r.tokens);
    seconds += (performance.now() - t0) / 1000;
    passes = r.passes;
    collect.add(await ex.run(images));
    onBatch?.(Math.min(s + batch, labels.length), labels.length);
  }
  return { samples: labels.length, labels, features: collect.done(), seconds, passes };
};

/**
 * One row's figures with the evaluation library: rFD and PSNR of reconstructions of the first M
 * test images, gFD and class accuracy of N class-balanced samples against them, and the warm
 * sampling speed (pass plans compiled by an untimed batch first). Every figure keeps its counts.
 */
import { compile, type CompileOptions } from '../compile/compile.ts';
import { devicePut } from '../compile/device-put.ts';
import type { Node } from '../ir/node.ts';
import type { Params } from '../nn/module.ts';
import { countParams } from '../nn/params.ts';
import { foldIn, keyFromSeed, type Key } from '../random/key.ts';
import { balancedLabels, classAccuracy } from '../eval/class-accuracy.ts';
import { clampImages } from '../eval/clamp.ts';
import { featureFd as fd, type FeatureExtractor, type FeatureSet } from '../eval/evaluator/features.ts';
import { evaluateGeneration } from './generation-eval.ts';
import { evaluateReconstruction } from './reconstruction-eval.ts';
import { arSampler } from '../detailflow/sample/sampler.ts';
import type { TokenizerParams } from '../detailflow/tokenizer/model.ts';
import type { CompareBudget } from '../detailflow/baselines/budget.ts';
import type { TrainedVariant } from '../detailflow/baselines/train-variant.ts';
import { samplerOf } from '../detailflow/baselines/variant-config.ts';

export interface VariantRow {
  readonly variant: string;
  readonly summary: string;
  readonly budget: string;
  readonly tokens: number;
  /** AR forward passes per image. */
  readonly passes: number;
  /** Tokenizer (encoder, quantiser parameters, decoder; the alignment head is training-only) and AR parameters. */
  readonly tokenizerParams: number;
  readonly arParams: number;
  readonly rfd: number;
  readonly psnr: number;
  readonly gfd: number;
  readonly classAccuracy: number;
  /** Sampling and decoding at full size, warm, `speedBatch` images per call. */
  readonly imagesPerSecond: number;
  readonly speedBatch: number;
  /** Reconstructed test images (rFD's and gFD's reference set) and generated samples. */
  readonly testImages: number;
  readonly samples: number;
  readonly trainSeconds: number;
}

export interface ScoreInputs {
  readonly ex: FeatureExtractor;
  /** The metric network's features of the test images below, computed once for every row. */
  readonly real: FeatureSet;
  readonly testImages: Float32Array;
  readonly classes: number;
  readonly seed: number;
}


/** Images per second of sampling + decoding one batch, after one untimed batch compiled the plans. */
export const samplingSpeed = async (t: TrainedVariant, labels: Int32Array, key: Key, opts: CompileOptions): Promise<number> => {
  const sampler = arSampler(t.configs.ar, opts);
  const decode = compile((p: Params<TokenizerParams>, idx: Node) => clampImages(t.tk.decodeIndices(p, idx)), { ...opts, name: 'decode-full' });
  const tkDevice = await devicePut(t.tokenizer, opts);
  const arDevice = await sampler.upload(t.ar);
  const sample = samplerOf(t.variant) === 'token-by-token' ? sampler.tokenByToken : sampler.grouped;
  const once = async (i: number) => {
    const r = await sample(arDevice, labels, foldIn(key, i));
    await decode.host(tkDevice, r.tokens);
  };
  await once(0);
  const t0 = performance.now();
  await once(1);
  return labels.length / ((performance.now() - t0) / 1000);
};

export const scoreVariant = async (t: TrainedVariant, budget: CompareBudget, s: ScoreInputs, opts: CompileOptions = {}): Promise<VariantRow> => {
  const model = { tk: t.tk, params: t.tokenizer };
  const rec = await evaluateReconstruction(model, s.ex, s.testImages, budget.batch, opts);
  const labels = balancedLabels(budget.samples, s.classes);
  const key = keyFromSeed(s.seed);
  const gen = await evaluateGeneration({ ...model, ar: { config: t.configs.ar, ema: t.ar, sampler: samplerOf(t.variant) } }, s.ex, labels, budget.batch, key, {}, opts);
  const speedBatch = Math.min(budget.batch, budget.samples);
  const { align: _align, ...inference } = t.tokenizer;
  return {
    variant: t.variant.name, summary: t.variant.summary, budget: budget.name,
    tokens: t.configs.tokenizer.tokens, passes: gen.passes,
    tokenizerParams: countParams(inference), arParams: countParams(t.ar),
    rfd: fd(s.real, rec.features), psnr: rec.psnr,
    gfd: fd(s.real, gen.features), classAccuracy: classAccuracy(gen.features.predictions, labels, s.classes).accuracy,
    imagesPerSecond: await samplingSpeed(t, labels.subarray(0, speedBatch), foldIn(key, 1 << 20), opts), speedBatch,
    testImages: rec.images, samples: gen.samples,
    trainSeconds: t.seconds.tokenizer + t.seconds.codes + t.seconds.ar,
  };
};

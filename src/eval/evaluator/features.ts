/**
 * Running the metric network over many images: one compiled plan, the parameters put on the
 * device once, features and predicted classes read back per batch.
 */
import { compile, type CompileOptions } from '../../compile/compile.ts';
import { devicePut, type OnDevice } from '../../compile/device-put.ts';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import type { Params } from '../../nn/module.ts';
import { argmax } from '../../ops/index.ts';
import type { Evaluator, EvaluatorParams } from './network.ts';
import { addRows, emptyStats, gaussianOf, type FeatureStats } from '../feature-stats.ts';
import { frechetDistance } from '../frechet.ts';
import type { FloorFigures } from '../report.ts';

export interface EvaluatorReadout {
  /** [B, F] row-major. */
  readonly features: Float32Array;
  /** [B] predicted class per image. */
  readonly predictions: Int32Array;
}

export interface FeatureExtractor {
  readonly featureDim: number;
  /** images: NCHW float32 [B, channels, size, size] in [-1, 1]. */
  run(images: HostArray): Promise<EvaluatorReadout>;
}

export const featureExtractor = (net: Evaluator, params: EvaluatorParams, opts: CompileOptions = {}): FeatureExtractor => {
  const plan = compile((p: Params<EvaluatorParams>, x: Node) => {
    const { features, logits } = net.apply(p, x);
    return { features, predictions: argmax(logits, -1) };
  }, { ...opts, name: 'evaluator-features' });
  let device: Promise<OnDevice<EvaluatorParams>> | undefined;
  return {
    featureDim: net.featureDim,
    run: async (images) => {
      device ??= devicePut(params, opts);
      const out = await plan.host(await device, images);
      return { features: out.features.data as Float32Array, predictions: out.predictions.data as Int32Array };
    },
  };
};

/** Rows [start, start + count) of NCHW images stored flat, as a host batch. */
export const imageBatch = (images: Float32Array, perImage: number, shape: readonly number[], start: number, count: number): HostArray =>
  hostArray(images.slice(start * perImage, (start + count) * perImage), [count, ...shape]);

/** Everything the metrics need from one image set: every feature row, the predictions, the moments. */
export interface FeatureSet {
  readonly count: number;
  readonly features: Float32Array;
  readonly predictions: Int32Array;
  readonly stats: FeatureStats;
}

/** Accumulates readouts batch by batch (moments streamed in float64, rows kept for precision/recall). */
export const featureCollector = (dim: number) => {
  const rows: Float32Array[] = [];
  const preds: Int32Array[] = [];
  let stats = emptyStats(dim);
  return {
    add: (r: EvaluatorReadout): void => {
      rows.push(r.features);
      preds.push(r.predictions);
      stats = addRows(stats, r.features);
    },
    done: (): FeatureSet => {
      const join = <T extends Float32Array | Int32Array>(parts: T[], make: (n: number) => T): T => {
        const out = make(parts.reduce((s, p) => s + p.length, 0));
        parts.reduce((o, p) => { out.set(p, o); return o + p.length; }, 0);
        return out;
      };
      return { count: stats.count, features: join(rows, (n) => new Float32Array(n)), predictions: join(preds, (n) => new Int32Array(n)), stats };
    },
  };
};

/** The metric network over a whole image set (NCHW values stored flat), in batches. */
export const extractFeatureSet = async (
  ex: FeatureExtractor, images: Float32Array, shape: readonly number[], batch: number, onBatch?: (done: number, total: number) => void,
): Promise<FeatureSet> => {
  const per = shape.reduce((a, b) => a * b, 1);
  const n = images.length / per;
  const c = featureCollector(ex.featureDim);
  for (let s = 0; s < n; s += batch) {
    c.add(await ex.run(imageBatch(images, per, shape, s, Math.min(batch, n - s))));
    onBatch?.(Math.min(s + batch, n), n);
  }
  return c.done();
};

/** The Frechet distance between two feature sets (the FID formula on the metric network's features). */
export const featureFd = (a: FeatureSet, b: FeatureSet): number => frechetDistance(gaussianOf(a.stats), gaussianOf(b.stats));

/**
 * The metric's floor: the FD between as many real images of another split (the first training
 * images, flat NCHW) as there are in `real`'s set, so a reader knows what "as good as real data" reads.
 */
export const metricFloor = async (
  ex: FeatureExtractor, otherImages: Float32Array, real: FeatureSet, shape: readonly number[], batch: number, onBatch?: (done: number, total: number) => void,
): Promise<FloorFigures> => {
  const per = shape.reduce((a, b) => a * b, 1);
  const images = Math.min(real.count, otherImages.length / per);
  const other = await extractFeatureSet(ex, otherImages.subarray(0, images * per), shape, batch, onBatch);
  return { fd: featureFd(other, real), images };
};

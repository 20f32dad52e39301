/**
 * The AR model's training on extracted codes: config, data order and the compiled step
 * (cross-entropy with label dropout and correction triples, AdamW, clipping, EMA), all
 * platform-neutral. Everything random derives from (seed, step), so --resume is bit-exact.
 */
import type * as E from 'fp-ts/lib/Either.js';
import { compile, release } from '../../compile/compile.ts';
import { type DeviceArray } from '../../compile/device-array.ts';
import { type HostArray } from '../../ir/host-array.ts';
import type { BackendName } from '../../compile/backend.ts';
import type { ConfigError } from '../../config/errors.ts';
import type { Node } from '../../ir/node.ts';
import type { Params } from '../../nn/module.ts';
import { foldIn, shardKey, type Key } from '../../random/key.ts';
import { epochOrder } from '../../data/batches.ts';
import { adamw, type AdamState } from '../../train/adam.ts';
import { applyGradients, gradientsWithAux, stepFnWithAux } from '../../train/train-step.ts';
import type { SplitTrainer } from '../../train/data-parallel/replica.ts';
import { ShardError } from '../../train/data-parallel/shards.ts';
import { packMetrics, unpackMetrics } from '../../train/metrics.ts';
import { schedule, warmupCosine, type Schedule } from '../../train/schedule.ts';
import type { Tree } from '../../tree/tree.ts';
import { configCodec, decodeWith, intIn, numberIn } from '../../config/codec.ts';
import { arLoss, arTrainDefaults, type ArBatch } from '../ar/loss.ts';
import { emaUpdate } from '../ar/ema.ts';
import type { ArModel, ArParams } from '../ar/model.ts';
import { codesBatch, type Codes } from './codes-file.ts';

const props = {
  steps: intIn(1, 1e9), batchSize: intIn(1, 65536), lr: numberIn(0, 1), ema: numberIn(0, 1),
  seed: intIn(0, 2 ** 31), checkpointEvery: intIn(1, 1e9),
} as const;

export type ArTrainConfig = { readonly [K in keyof typeof props]: number };

// the reference trains at lr 1e-4 with batch 256; this small model on small batches takes a larger step
export const arTrainConfigDefaults: ArTrainConfig = { steps: 5000, batchSize: 32, lr: 3e-4, ema: arTrainDefaults.emaDecay, seed: 0, checkpointEvery: 250 };

export const ArTrainConfigCodec = configCodec('ArTrainConfig', props, arTrainConfigDefaults as never, [], { strict: true });
export const decodeArTrainConfig = (u: unknown): E.Either<ConfigError, ArTrainConfig> => decodeWith(ArTrainConfigCodec, u) as E.Either<ConfigError, ArTrainConfig>;

/** The rows of step i: epoch i / (M / B) of a permutation drawn from (key, epoch); full batches only. */
export const codesStepRows = (count: number, key: Key, batchSize: number) => {
  if (batchSize > count) throw new RangeError(`batch size ${batchSize} is larger than the codes file (${count} rows)`);
  const perEpoch = Math.floor(count / batchSize);
  let cached: { epoch: number; order: Int32Array } | undefined;
  return (step: number): Int32Array => {
    const epoch = Math.floor(step / perEpoch);
    if (cached?.epoch !== epoch) cached = { epoch, order: epochOrder(foldIn(key, 0), epoch, count) };
    const start = (step % perEpoch) * batchSize;
    return cached.order.slice(start, start + batchSize);
  };
};

export interface ArState<L = DeviceArray | HostArray> {
  readonly params: Tree<L>;
  readonly ema: Tree<L>;
  readonly opt: Tree<L>;
}

/**
 * The reference's schedule: linear warmup from startFactor * lr (not from 0) to lr, then the
 * cosine down to floorFactor * lr; warmupCosine's decay part is reused unchanged.
 */
export const arSchedule = (lr: number, totalSteps: number): Schedule => {
  const d = arTrainDefaults;
  const warmupSteps = Math.round(d.warmupFraction * totalSteps);
  const cosine = warmupCosine({ peak: lr, warmupSteps: 0, totalSteps: Math.max(totalSteps - warmupSteps, 1), floor: lr * d.floorFactor });
  if (warmupSteps === 0) return cosine;
  const start = lr * d.warmupStartFactor;
  return schedule((n, step) => n.ifLess(step, warmupSteps, n.add(start, n.mul((lr - start) / warmupSteps, step)), cosine.def(n, n.sub(step, warmupSteps))));
};

const METRICS = ['loss', 'accuracy', 'gradNorm', 'lr'];

/** One data-parallel shard's inputs for a step: plain data, so they can be posted to a worker. */
export interface ArShardInputs {
  /** This shard's rows of the batch (classes, clean codes, correction triples). */
  readonly batch: Readonly<Record<keyof ArBatch, HostArray>>;
  /** A shard key (see shardKey): dropout and label draws are this shard's rows of the whole batch's. */
  readonly key: Key;
}

/** Splits a step's rows over `count` equal shards; each shard's key draws its rows of the batch's randomness. */
export const arShards = (codes: Codes, rows: Int32Array, key: Key, count: number): ArShardInputs[] => {
  if (rows.length % count !== 0) throw new ShardError(`a batch of ${rows.length} rows does not split into ${count} equal shards`);
  const n = rows.length / count;
  return Array.from({ length: count }, (_, k) => ({ batch: codesBatch(codes, rows.subarray(k * n, (k + 1) * n)), key: shardKey(key, k, count) }));
};

/**
 * The compiled AR step (forward, backward, clipping, AdamW, EMA) as one plan; `split` gives the
 * same step in two halves for data-parallel replicas (a shard's gradients; the update with the
 * averaged gradients, EMA included).
 */
export const arTrainer = (model: ArModel, train: ArTrainConfig, backend: BackendName) => {
  const d = arTrainDefaults;
  const optimizer = adamw({
    lr: arSchedule(train.lr, train.steps),
    b1: d.b1, b2: d.b2, weightDecay: d.weightDecay,
  });
  const loss = arLoss(model, { labelDropout: d.labelDropout, correctionProb: d.correctionProb });
  const step = compile((params: Params<ArParams>, opt: AdamState, ema: Params<ArParams>, batch: ArBatch, key: Node) => {
    const out = stepFnWithAux((p: Params<ArParams>) => loss(p, batch, key), optimizer, d.clip)(params, opt);
    return {
      params: out.params, opt: out.state, ema: emaUpdate(ema as never, out.params as never, train.ema),
      metrics: packMetrics({ loss: out.loss, accuracy: out.aux.accuracy, gradNorm: out.gradNorm, lr: out.lr }),
    };
  }, { backend, name: 'ar-train-step' });
  const gradients = compile((params: Params<ArParams>, batch: ArBatch, key: Node) => {
    const out = gradientsWithAux((p: Params<ArParams>) => loss(p, batch, key))(params);
    return { grads: out.grads, metrics: packMetrics({ loss: out.loss, accuracy: out.aux.accuracy }) };
  }, { backend, name: 'ar-gradients' });
  const update = compile((params: Params<ArParams>, opt: AdamState, ema: Params<ArParams>, grads: Params<ArParams>) => {
    const out = applyGradients(optimizer, d.clip)(params, opt, grads);
    return { params: out.params, opt: out.state, ema: emaUpdate(ema as never, out.params as never, train.ema), metrics: packMetrics({ gradNorm: out.gradNorm, lr: out.lr }) };
  }, { backend, name: 'ar-update' });
  const metricsOf = async (packed: DeviceArray, names: readonly string[]) => {
    const m = await unpackMetrics(packed, names);
    packed.release();
    return m;
  };
  const dispose = (): void => { step.dispose(); gradients.dispose(); update.dispose(); };
  return {
    initOpt: (params: Tree<HostArray>): Tree<HostArray> => optimizer.initHost(params),
    /** One step on the given rows; releases the previous state's device arrays. */
    step: async (s: ArState, codes: Codes, rows: Int32Array, key: Key) => {
      const out = await step.run(s.params, s.opt, s.ema, codesBatch(codes, rows), key) as unknown as {
        params: Tree<DeviceArray>; opt: Tree<DeviceArray>; ema: Tree<DeviceArray>; metrics: DeviceArray;
      };
      release(s);
      const metrics = await metricsOf(out.metrics, METRICS);
      return { state: { params: out.params, opt: out.opt, ema: out.ema } as ArState, metrics };
    },
    split: (): SplitTrainer<ArShardInputs> => ({
      gradients: async (s, x) => {
        const out = await gradients.run(s.params, x.batch, x.key) as unknown as { grads: Tree<DeviceArray>; metrics: DeviceArray };
        return { grads: out.grads, metrics: await metricsOf(out.metrics, ['accuracy', 'loss']) };
      },
      apply: async (s, grads) => {
        const out = await update.run(s.params, s.opt, s.ema, grads) as unknown as {
          params: Tree<DeviceArray>; opt: Tree<DeviceArray>; ema: Tree<DeviceArray>; metrics: DeviceArray;
        };
        release(s);
        return { state: { params: out.params, opt: out.opt, ema: out.ema }, metrics: await metricsOf(out.metrics, ['gradNorm', 'lr']) };
      },
      dispose,
    }),
    dispose,
  };
};

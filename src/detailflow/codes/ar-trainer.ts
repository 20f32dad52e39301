/**
 * The AR model's training on extracted codes: config, data order and the compiled step
 * (cross-entropy with label dropout and correction triples, AdamW, clipping, EMA), all
 * platform-neutral. Everything random derives from (seed, step), so --resume is bit-exact.
 */
import type * as E from 'fp-ts/lib/Either.js';
import type { DeviceArray } from '../../compile/device-array.ts';
import type { HostArray } from '../../ir/host-array.ts';
import type { ConfigError } from '../../config/errors.ts';
import type { Params } from '../../nn/module.ts';
import { foldIn, keyFromSeed, shardKey, type Key } from '../../random/key.ts';
import { epochOrder } from '../../data/batches.ts';
import { adamw } from '../../train/adam.ts';
import { shardRows } from '../../train/data-parallel/shards.ts';
import type { BackendName } from '../../compile/backend.ts';
import { trainer, type Objective, type StepInput, type TrainState } from '../../train/trainer.ts';
import { schedule, warmupCosine, type Schedule } from '../../train/schedule.ts';
import type { Tree } from '../../tree/tree.ts';
import { configCodec, decodeWith, intIn, numberIn } from '../../config/codec.ts';
import { arLoss, arTrainDefaults, type ArBatch } from '../ar/loss.ts';
import { emaCarry } from '../../train/ema.ts';
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

/** What an AR step feeds its graph: a batch of rows (classes, clean codes, correction triples) and its key. */
export interface ArArrays {
  readonly batch: Readonly<Record<keyof ArBatch, HostArray>>;
  /** Dropout and label draws; a shard's key draws its rows of the whole batch's (shardKey). */
  readonly key: Key;
}

/** The AR model has one traced graph: its variant is empty. */
export type ArStep = StepInput<null, ArArrays>;

/** Step inputs for these rows of the codes. */
export const arStep = (codes: Codes, rows: Int32Array, key: Key): ArStep => ({ variant: null, arrays: { batch: codesBatch(codes, rows), key } });

/** Splits a step over `count` equal shards: each gets its rows of the batch, and a key that draws its rows of the batch's randomness. */
export const arShards = (x: ArStep, count: number): ArStep[] => Array.from({ length: count }, (_, k) => ({
  variant: null,
  arrays: {
    batch: { classes: shardRows(x.arrays.batch.classes, k, count), clean: shardRows(x.arrays.batch.clean, k, count), input: shardRows(x.arrays.batch.input, k, count), label: shardRows(x.arrays.batch.label, k, count) },
    key: shardKey(x.arrays.key, k, count),
  },
}));

/**
 * The AR objective: cross-entropy with label dropout and correction triples, AdamW on the
 * reference's schedule, clipping, and an EMA of the parameters carried beside them.
 */
export const arObjective = (model: ArModel, train: ArTrainConfig): Objective<null, ArArrays> => {
  const d = arTrainDefaults;
  const loss = arLoss(model, { labelDropout: d.labelDropout, correctionProb: d.correctionProb });
  return {
    name: 'ar',
    optimizer: adamw({ lr: arSchedule(train.lr, train.steps), b1: d.b1, b2: d.b2, weightDecay: d.weightDecay }),
    clip: d.clip,
    loss: (_, p, x) => {
      const out = loss(p as Params<ArParams>, x.batch as ArBatch, x.key);
      return { total: out[0], terms: { accuracy: out[1].accuracy } };
    },
    carry: emaCarry(train.ema),
  };
};

/** An AR training run as a function of (seed, step): the rows and the key of step i derive from the run key, so resuming repeats it. */
export const arRun = (model: ArModel, train: ArTrainConfig, codes: Codes, backend: BackendName) => {
  const runKey = keyFromSeed(train.seed);
  const rowsOf = codesStepRows(codes.count, foldIn(runKey, 1), train.batchSize);
  const steps = trainer(arObjective(model, train), { backend });
  return {
    initParams: (): ArParams => model.init(foldIn(runKey, 0)),
    initState: (params: ArParams): TrainState => steps.initState(params),
    inputs: (i: number): ArStep => arStep(codes, rowsOf(i), foldIn(foldIn(runKey, 2), i)),
    shard: arShards,
    trainer: steps,
  };
};

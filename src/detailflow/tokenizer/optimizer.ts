import { adam } from '../../train/adam.ts';
import type { Optimizer } from '../../train/optimizer.ts';
import { warmupCosine } from '../../train/schedule.ts';
import type { TrainConfig } from './train-config.ts';

/** Adam on the warmup-cosine schedule of a tokenizer run: the tokenizer's, and its discriminator's (the reference gives both the same; `scale` multiplies the whole schedule). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the state type is the optimiser's own business
export const tokenizerOptimizer = (train: TrainConfig, scale = 1): Optimizer<any> => adam({
  lr: warmupCosine({ peak: train.lr * scale, warmupSteps: Math.round(train.warmupFraction * train.steps), totalSteps: train.steps, floor: train.lr * scale * train.minLrRatio }),
  b1: train.b1, b2: train.b2,
});

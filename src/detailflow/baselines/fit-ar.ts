/**
 * The AR model trained in memory on codes: the same trainer, data order and keys as train-ar
 * (so a run is a pure function of the codes, the configuration and the seed), returning the EMA
 * weights sampling uses.
 */
import { toHost } from '../../compile/compile.ts';
import type { BackendName } from '../../compile/backend.ts';
import { paramLayout } from '../../nn/layout.ts';
import { keyFromSeed } from '../../random/key.ts';
import { trainLoop } from '../../train/loop.ts';
import type { TrainState } from '../../train/trainer.ts';
import type { ArConfig } from '../ar/config.ts';
import { arModel, type ArParams } from '../ar/model.ts';
import { arRun, type ArTrainConfig } from '../codes/ar-trainer.ts';
import type { Codes } from '../codes/codes-file.ts';

export interface ArFit {
  readonly ema: ArParams;
  /** One entry per step: `step` (from 1) and the trainer's metrics. */
  readonly log: readonly Readonly<Record<string, number>>[];
}

export const fitAr = async (
  config: ArConfig, train: ArTrainConfig, codes: Codes, backend: BackendName,
  onStep?: (step: number, metrics: Readonly<Record<string, number>>) => void,
): Promise<ArFit> => {
  const model = arModel(config);
  const run = arRun(model, train, codes, backend);
  const log: Record<string, number>[] = [];
  const { state } = await trainLoop<TrainState>({
    start: 0, total: train.steps, state: run.initState(run.initParams()),
    checkpointEvery: Number.MAX_SAFE_INTEGER, save: async () => 'memory',
    step: (s, i) => run.trainer.step(s, run.inputs(i)),
    onMetrics: (step, m) => { log.push({ step, ...m }); onStep?.(step, m); },
  });
  const ema = await toHost(state.ema);
  const problems: string[] = [];
  if (!paramLayout(() => model.init(keyFromSeed(0))).holds(ema, problems, 'ema')) throw new Error(`fitAr: the EMA weights are not the model's: ${problems.join('; ')}`);
  return { ema, log };
};

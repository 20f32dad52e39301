/**
 * The AR model trained in memory on codes: the same trainer, data order and keys as train-ar
 * (so a run is a pure function of the codes, the configuration and the seed), returning the EMA
 * weights sampling uses.
 */
import { release, toHost } from '../../compile/compile.ts';
import type { BackendName } from '../../compile/backend.ts';
import { foldIn, keyFromSeed } from '../../random/key.ts';
import { trainLoop } from '../../train/loop.ts';
import type { ArConfig } from '../ar/config.ts';
import { arModel, type ArParams } from '../ar/model.ts';
import { arTrainer, codesStepRows, type ArState, type ArTrainConfig } from '../codes/ar-trainer.ts';
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
  const runKey = keyFromSeed(train.seed);
  const trainer = arTrainer(model, train, backend);
  const fresh = model.init(foldIn(runKey, 0)) as never;
  const rowsOf = codesStepRows(codes.count, foldIn(runKey, 1), train.batchSize);
  const log: Record<string, number>[] = [];
  try {
    const { state } = await trainLoop<ArState>({
      start: 0, total: train.steps, state: { params: fresh, ema: fresh, opt: trainer.initOpt(fresh) },
      checkpointEvery: Number.MAX_SAFE_INTEGER, save: async () => 'memory',
      step: (s, i) => trainer.step(s, codes, rowsOf(i), foldIn(foldIn(runKey, 2), i)),
      onMetrics: (step, m) => { log.push({ step, ...m }); onStep?.(step, m); },
    });
    const ema = await toHost(state.ema) as unknown as ArParams;
    release(state);
    return { ema, log };
  } finally {
    trainer.dispose();
  }
};

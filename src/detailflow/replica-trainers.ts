/**
 * What a data-parallel replica can train: the recipes (plain data, posted to each worker) of the
 * tokenizer and the AR model, and how a replica builds its split trainer from one. Every replica
 * builds the same trainer from the same recipe, on its own backend.
 */
import type { BackendName } from '../compile/backend.ts';
import type { HostArray } from '../ir/host-array.ts';
import { GraphError } from '../ir/errors.ts';
import type { Recipe } from '../train/data-parallel/protocol.ts';
import type { SplitTrainer } from '../train/data-parallel/replica.ts';
import type { Tree } from '../tree/tree.ts';
import type { ArConfig } from './ar/config.ts';
import { arModel } from './ar/model.ts';
import { arObjective, type ArTrainConfig } from './codes/ar-trainer.ts';
import { cnnTeacher } from './teacher/cnn.ts';
import type { CnnTeacherConfig } from './teacher/config.ts';
import type { TokenizerConfig } from './tokenizer/config.ts';
import { tokenizer } from './tokenizer/model.ts';
import type { TrainConfig } from './tokenizer/train-config.ts';
import { tokenizerObjective, type TokenizerStep } from './tokenizer/trainer.ts';
import { trainer } from '../train/trainer.ts';

export interface TokenizerRecipe extends Recipe {
  readonly kind: 'tokenizer';
  readonly tokenizer: TokenizerConfig;
  readonly train: TrainConfig;
  /** The frozen CNN teacher and its parameters; absent when alignment and the perceptual term are off. */
  readonly teacher?: { readonly config: CnnTeacherConfig; readonly params: Tree<HostArray> };
}

export interface ArRecipe extends Recipe {
  readonly kind: 'ar';
  readonly ar: ArConfig;
  readonly train: ArTrainConfig;
}

export type ReplicaRecipe = TokenizerRecipe | ArRecipe;

export const tokenizerRecipe = (backend: BackendName, tk: TokenizerConfig, train: TrainConfig, teacher?: TokenizerRecipe['teacher']): TokenizerRecipe =>
  ({ kind: 'tokenizer', backend, tokenizer: tk, train, ...(teacher ? { teacher } : {}) });

export const arRecipe = (backend: BackendName, ar: ArConfig, train: ArTrainConfig): ArRecipe => ({ kind: 'ar', backend, ar, train });

/** The replica's trainer: the same objective as one worker's, built from the recipe on the replica's backend. */
export const buildReplicaTrainer = (recipe: Recipe): SplitTrainer => {
  const r = recipe as ReplicaRecipe;
  switch (r.kind) {
    case 'tokenizer': {
      const teacher = r.teacher ? cnnTeacher(r.teacher.config) : undefined;
      const tk = tokenizer(r.tokenizer, teacher?.featureDim ?? 1);
      const t = trainer(tokenizerObjective(tk, r.train, teacher), { backend: r.backend });
      // shards travel without the teacher's parameters: every replica holds them from the recipe
      const fixed = r.teacher ? { teacher: r.teacher.params } : {};
      return {
        gradients: (state, x) => t.gradients(state, { ...(x as TokenizerStep), arrays: { ...(x as TokenizerStep).arrays, ...fixed } }),
        apply: t.apply,
      };
    }
    case 'ar':
      return trainer(arObjective(arModel(r.ar), r.train), { backend: r.backend }) as SplitTrainer;
    default:
      throw new GraphError('input', 'buildReplicaTrainer', `unknown replica recipe '${(recipe as Recipe).kind}' (known: tokenizer, ar)`);
  }
};

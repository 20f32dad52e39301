/**
 * The teacher: what DetailFlow's token-0 alignment (and the perceptual term) compares against.
 * The reference aligns to SigLIP2 features, which cannot be fetched here, so a teacher is either
 *   - a network the project trains itself (`kind: 'network'`, e.g. the small CNN of cnn.ts): the
 *     tokenizer's traced step applies it to the batch's images, with its parameters passed as a
 *     separate, frozen graph input; or
 *   - features computed elsewhere (`kind: 'precomputed'`, e.g. SigLIP2's), read from a safetensors
 *     file keyed by dataset index and gathered on the host per batch; it has no feature maps,
 *     so the perceptual term is off with it.
 * Pooled features come unnormalised: the consumer l2-normalises them (the alignment loss is a
 * cosine), so a teacher does not bake in one loss's choice.
 * Never evaluate a tokenizer with its teacher: evaluation uses an independently trained network.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { HostArray } from '../../ir/host-array.ts';
import { GraphError } from '../../ir/errors.ts';
import { isNode, type Node } from '../../ir/node.ts';
import type { Params } from '../../nn/module.ts';
import { stopGradient } from '../../ops/index.ts';
import type { Key } from '../../random/key.ts';
import { freeze } from '../../nn/freeze.ts';
import type { TeacherError } from './errors.ts';

/** What a network teacher makes of a batch of images. */
export interface TeacherFeatures {
  /** [B, F], not normalised. */
  readonly pooled: Node;
  /** Intermediate activations, channel-last [B, h, w, c] each, coarser as the list goes on. */
  readonly maps: readonly Node[];
}

export interface NetworkTeacher<H = unknown> {
  readonly kind: 'network';
  readonly featureDim: number;
  /** The images it takes: NCHW [B, channels, size, size] in [-1, 1]. */
  readonly channels: number;
  readonly size: number;
  init(key: Key): H;
  // method syntax (bivariant) so that every network teacher fits `Teacher`
  features(params: Params<H>, images: Node): TeacherFeatures;
}

export interface PrecomputedTeacher {
  readonly kind: 'precomputed';
  readonly featureDim: number;
  /** The dataset size the features were checked against. */
  readonly count: number;
  /** The file's __metadata__ (e.g. model, dataset), as given. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Host-side gather: the features of these dataset images, float32 [B, F], in order. */
  pooledAt(indices: ArrayLike<number>): E.Either<TeacherError, HostArray>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNetworkTeacher = NetworkTeacher<any>;

export type Teacher = AnyNetworkTeacher | PrecomputedTeacher;

/** Whether the perceptual term can run: only network teachers have feature maps. */
export const hasMaps = (t: Teacher): t is AnyNetworkTeacher => t.kind === 'network';

// The step should pass teacher parameters as their own argument (not inside the differentiated
// tree, not in the optimiser state); freezing makes that hold even if someone does.
export { freeze };

/** A network teacher's features with frozen parameters; gradients still flow to the images. */
export const frozenFeatures = <H>(t: NetworkTeacher<H>, params: Params<H>, images: Node): TeacherFeatures =>
  t.features(freeze(params), images);

/**
 * Inside a traced step: the alignment target for the batch's (clean) images. `arg` is what
 * `teacherArg` gave the host for this teacher: its parameters, or the gathered [B, F] features.
 */
export const alignmentTarget = (t: Teacher, arg: unknown, images: Node): TeacherFeatures => {
  if (t.kind === 'network') return frozenFeatures(t, arg as Params<unknown>, images);
  const pooled = arg as Node;
  if (!isNode(pooled) || pooled.shape.length !== 2 || pooled.shape[1] !== t.featureDim || pooled.shape[0] !== images.shape[0]) {
    throw new GraphError('shape', 'alignmentTarget', `precomputed features must be [${images.shape[0]}, ${t.featureDim}]`,
      isNode(pooled) ? [{ shape: pooled.shape, dtype: pooled.dtype }] : []);
  }
  return { pooled: stopGradient(pooled), maps: [] };
};

/**
 * On the host: the teacher argument of the compiled step for the batch of dataset `indices` —
 * the (device or host) parameters for a network teacher, the gathered features otherwise.
 */
export const teacherArg = <P>(t: Teacher, params: P, indices: ArrayLike<number>): E.Either<TeacherError, P | HostArray> =>
  t.kind === 'network' ? E.right(params) : t.pooledAt(indices);

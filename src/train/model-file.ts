/**
 * A trained model from checkpoint bytes, trusting nothing its metadata claims. The expected
 * parameter shapes follow from the configuration without allocating them (`initSpecs`), so a
 * small file whose configuration claims a huge model is refused in one line, from its header
 * alone, before any tensor is copied or any parameter made. Then every tensor is checked against
 * those shapes.
 */
import * as E from 'fp-ts/lib/Either.js';
import { sizeOf } from '../ir/shape.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { ParamSpec } from '../nn/init.ts';
import { flatten } from '../tree/tree.ts';
import { checkedTrees, decodeCheckpoint, readCheckpointHeader, type Checkpoint, type Layouts } from './checkpoint.ts';

/**
 * What a configuration implies: the model built from it, and the parameter trees it expects by
 * group, each as the layout of its type (`paramLayout` of the model's init), so that the trees
 * come back typed: T is e.g. `{ params: TokenizerParams }`.
 */
export interface ModelSpec<M, T extends object = Readonly<Record<string, unknown>>> {
  readonly model: M;
  readonly trees: Layouts<T>;
}

const isSpec = (x: unknown): x is ParamSpec =>
  typeof x === 'object' && x !== null && Array.isArray((x as ParamSpec).shape) && typeof (x as ParamSpec).dtype === 'string';

const itemBytes = (dtype: HostArray['dtype']): number => (dtype === 'bool' ? 1 : 4);

/** The bytes the expected trees take (may exceed 2^53 only for configurations the codecs refuse). */
export const impliedBytes = (trees: ModelSpec<unknown>['trees']): number =>
  Object.values(trees).reduce((n, layout) => n + flatten(layout.specs, isSpec, 'parameter').leaves.reduce((m, l) => m + sizeOf(l.shape) * itemBytes(l.dtype), 0), 0);

const bytesText = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${n} bytes`);

/**
 * Decodes a checkpoint of `kind` whose expected trees `expect` derives from its metadata (a
 * config decoder plus `paramLayout`, never a real init), and returns those trees typed. Errors
 * are one line when the claim is refused from the header; the caller puts the file name in front.
 */
export const decodeModelCheckpoint = <M, T extends object>(
  bytes: Uint8Array, kind: string, expect: (meta: Readonly<Record<string, unknown>>) => E.Either<string, ModelSpec<M, T>>,
): E.Either<string, { readonly model: M; readonly trees: T; readonly ck: Checkpoint }> => {
  const header = readCheckpointHeader(bytes, kind);
  if (E.isLeft(header)) return E.left(header.left.message);
  const spec = expect(header.right.meta);
  if (E.isLeft(spec)) return spec;
  const implied = impliedBytes(spec.right.trees);
  if (implied > header.right.decodedBytes) {
    return E.left(`it does not match its configuration: that implies ${bytesText(implied)} of parameters, but the file holds only ${bytesText(header.right.decodedBytes)} of tensor data`);
  }
  const ck = decodeCheckpoint(bytes, kind);
  if (E.isLeft(ck)) return E.left(ck.left.message);
  const trees = checkedTrees(ck.right, spec.right.trees);
  if (E.isLeft(trees)) return E.left(`it does not match its configuration: ${trees.left.message}`);
  return E.right({ model: spec.right.model, trees: trees.right, ck: ck.right });
};

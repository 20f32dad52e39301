/**
 * check-reference, platform-neutral: an official fixture (safetensors bytes) and optionally the
 * same weights from a .pt checkpoint; imports the model, runs it on the fixture's inputs, and
 * reports every `fixture.out.*` tensor against ours.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { LazyTensor } from '../../io/pytorch/index.ts';
import { arConfigOfGpt, tokenizerConfigFromShapes } from './config.ts';
import { checkArFixture } from './ar-reference.ts';
import type { ReferenceReport } from './compare.ts';
import { decodeTorchSafetensors } from './fixture-file.ts';
import { gptArgsOf, readFixtureMeta, tokenizerHintsOf } from './fixture-meta.ts';
import { droppedTokenizerKeys, gptKeys, tokenizerKeys } from './keys.ts';
import { checkpointSource, storedSource } from './sources.ts';
import { mapStateDict, type TensorSource } from './state-dict.ts';
import type { ArParams } from '../ar/model.ts';
import { checkTokenizerFixture } from './tokenizer-reference.ts';
import type { OfficialTokenizerParams } from './tokenizer.ts';

export interface ReferenceOptions {
  readonly backend: string;
  /** The weights from a torch.save state dict instead of the fixture's own. */
  readonly stateDict?: ReadonlyMap<string, LazyTensor>;
  readonly weightsName?: string;
}

const shapesOf = (s: TensorSource) => new Map([...s].map(([k, t]) => [k, t.shape]));

export const checkReference = async (bytes: Uint8Array, opts: ReferenceOptions): Promise<E.Either<string[], ReferenceReport>> => {
  const file = decodeTorchSafetensors(bytes);
  if (E.isLeft(file)) return E.left([...file.left.problems]);
  const meta = readFixtureMeta(file.right.metadata);
  if (E.isLeft(meta)) return E.left([meta.left]);
  const source = opts.stateDict ? checkpointSource(opts.stateDict) : storedSource(file.right.tensors);
  const base = { fixture: meta.right.name, kind: meta.right.kind, backend: opts.backend, weights: opts.weightsName ?? 'the fixture' };
  if (meta.right.kind === 'tokenizer') {
    const cfg = tokenizerConfigFromShapes(shapesOf(source), tokenizerHintsOf(meta.right));
    if (E.isLeft(cfg)) return cfg;
    const mapped = mapStateDict<OfficialTokenizerParams>(tokenizerKeys(cfg.right), source, droppedTokenizerKeys);
    if (E.isLeft(mapped)) return mapped;
    const outputs = await checkTokenizerFixture(file.right.tensors, cfg.right, mapped.right.tree, opts.backend);
    return E.right({ ...base, outputs, ok: outputs.every((o) => o.ok) });
  }
  const args = gptArgsOf(meta.right);
  if (E.isLeft(args)) return E.left([args.left]);
  const cfg = arConfigOfGpt(args.right);
  if (E.isLeft(cfg)) return cfg;
  const mapped = mapStateDict<ArParams>(gptKeys(cfg.right), source);
  if (E.isLeft(mapped)) return mapped;
  const outputs = await checkArFixture(file.right.tensors, cfg.right, mapped.right.tree, meta.right, opts.backend);
  return E.right({ ...base, outputs, ok: outputs.every((o) => o.ok) });
};

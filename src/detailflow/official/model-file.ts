/** Reading an imported official tokenizer file back: its configuration and every tensor checked against it. */
import * as E from 'fp-ts/lib/Either.js';
import { checkTrees, decodeCheckpoint } from '../../train/checkpoint.ts';
import type { Tree } from '../../tree/tree.ts';
import type { ParamSpec } from '../../nn/init.ts';
import { checkTokenizerConfig, type OfficialTokenizerConfig } from './config.ts';
import { OFFICIAL_TOKENIZER_KIND } from './import.ts';
import { tokenizerKeys } from './keys.ts';
import type { OfficialTokenizerParams } from './tokenizer.ts';

/** The expected tree of shapes for a configuration (built from the key map, nothing allocated). */
export const tokenizerSpecs = (c: OfficialTokenizerConfig): Tree<ParamSpec> => {
  const root: Record<string | number, unknown> = {};
  for (const e of tokenizerKeys(c)) {
    let node = root;
    e.path.forEach((k, i) => {
      if (i === e.path.length - 1) node[k] = { shape: e.target, dtype: 'float32' };
      else node = (node[k] ??= typeof e.path[i + 1] === 'number' ? [] : {}) as Record<string | number, unknown>;
    });
  }
  return root as Tree<ParamSpec>;
};

export const decodeOfficialTokenizerFile = (bytes: Uint8Array): E.Either<string, { config: OfficialTokenizerConfig; params: OfficialTokenizerParams }> => {
  const ck = decodeCheckpoint(bytes, OFFICIAL_TOKENIZER_KIND);
  if (E.isLeft(ck)) return E.left(ck.left.message);
  const u = ck.right.meta['config'] as OfficialTokenizerConfig | undefined;
  const ints = (o: unknown, ks: string[]) => typeof o === 'object' && o !== null && ks.every((k) => Number.isInteger((o as Record<string, unknown>)[k]));
  const tower = ['width', 'depth', 'heads', 'mlpWidth', 'grid'];
  if (!ints(u, ['imageSize', 'patch', 'tokens', 'group', 'causal', 'codebookSize', 'codeDim']) || !ints(u?.encoder, tower) || !ints(u?.decoder, tower) || typeof u?.alpha !== 'number' || typeof u.eps !== 'number') {
    return E.left('its metadata config is not an official tokenizer configuration');
  }
  const cfg = checkTokenizerConfig(u);
  if (E.isLeft(cfg)) return E.left(`its configuration is invalid: ${cfg.left.join('; ')}`);
  const ok = checkTrees(ck.right, { params: tokenizerSpecs(cfg.right) });
  if (E.isLeft(ok)) return E.left(`it does not match its configuration: ${ok.left.message}`);
  return E.right({ config: cfg.right, params: ck.right.trees['params'] as unknown as OfficialTokenizerParams });
};

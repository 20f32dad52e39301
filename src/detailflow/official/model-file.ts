/** Reading an imported official tokenizer file back: its configuration and every tensor checked against it. */
import * as E from 'fp-ts/lib/Either.js';
import { checkedTrees, decodeCheckpoint } from '../../train/checkpoint.ts';
import type { Tree } from '../../tree/tree.ts';
import { zeros, type ParamSpec } from '../../nn/init.ts';
import { paramLayout, type ParamLayout } from '../../nn/layout.ts';
import { linear } from '../../nn/linear.ts';
import { keyFromSeed } from '../../random/key.ts';
import { checkTokenizerConfig, type OfficialTokenizerConfig } from './config.ts';
import { OFFICIAL_TOKENIZER_KIND } from './import.ts';
import { tokenizerKeys } from './keys.ts';
import { towerStack, type OfficialTokenizerParams } from './tokenizer.ts';

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

/**
 * The layout of an official tokenizer's parameters, from the project's layers (the weights are
 * only ever imported, so this init exists to be traced, nothing allocated): the compiler checks
 * the tree against OfficialTokenizerParams, and a test that it is the key map's (`tokenizerSpecs`).
 */
export const tokenizerLayout = (c: OfficialTokenizerConfig): ParamLayout<OfficialTokenizerParams> => paramLayout((): OfficialTokenizerParams => {
  const key = keyFromSeed(0);
  const dense = (inputs: number, out: number) => linear({ in: inputs, out }).init(key);
  const table = (rows: number, width: number) => zeros(key, [rows, width]);
  const pixels = 3 * c.patch * c.patch;
  const { encoder: enc, decoder: dec, tokens: n } = c;
  return {
    encoder: {
      patchEmbed: dense(pixels, enc.width), pos: table(enc.grid * enc.grid, enc.width),
      latentTokens: table(n, enc.width), refinedTokens: table(n, enc.width), latentPos: table(n, enc.width), stack: towerStack(enc, c.eps).init(key),
    },
    decoder: {
      maskToken: zeros(key, [dec.width]), pos: table(dec.grid * dec.grid, dec.width), latentPos: table(n, dec.width),
      stack: towerStack(dec, c.eps).init(key), toPixel: dense(dec.width, pixels),
    },
    quantConv: dense(enc.width, c.codeDim), postQuantConv: dense(c.codeDim, dec.width), refineConv: dense(c.codeDim, enc.width),
    codebook: table(c.codebookSize, c.codeDim),
  };
});

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
  // the layers refuse sizes the checks above let through (a negative width, a non-positive eps)
  const layout = E.tryCatch(() => tokenizerLayout(cfg.right), (e) => (e instanceof Error ? e.message : String(e)));
  if (E.isLeft(layout)) return E.left(`its configuration is invalid: ${layout.left}`);
  const trees = checkedTrees(ck.right, { params: layout.right });
  if (E.isLeft(trees)) return E.left(`it does not match its configuration: ${trees.left.message}`);
  return E.right({ config: cfg.right, params: trees.right.params });
};

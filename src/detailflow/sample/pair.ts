import * as E from 'fp-ts/lib/Either.js';
import { ConfigError } from '../../config/errors.ts';
import type { ArConfig } from '../ar/config.ts';
import { partitionOf, sizesOf } from '../partition-config.ts';

/** What the AR model must agree on with the tokenizer whose codes it models. */
export interface TokenizerShape {
  readonly codebookSize: number;
  readonly tokens: number;
  readonly group: number;
  readonly causal?: number;
  /** The explicit partition's span sizes; absent: DetailFlow's (C ones, then groups of g). */
  readonly spans?: readonly number[];
}

/** Every mismatch between a tokenizer and an AR model (codebook size vs vocab, N, g, C, the partition's spans), or the pair. */
export const checkTokenizerPair = (tok: TokenizerShape, ar: ArConfig): E.Either<ConfigError, { tokenizer: TokenizerShape; ar: ArConfig }> => {
  const problems: string[] = [];
  const same = (what: string, t: number | undefined, a: number) => {
    if (t !== undefined && t !== a) problems.push(`${what}: the tokenizer has ${t}, the AR model ${a}`);
  };
  same('codebook size (AR vocab)', tok.codebookSize, ar.vocab);
  same('tokens (N)', tok.tokens, ar.tokens);
  const explicit = tok.spans !== undefined || ar.spans !== undefined;
  if (!explicit) same('group (g)', tok.group, ar.group);
  same('causal (C)', tok.causal, ar.causal);
  if (explicit && problems.length === 0) {
    // both partitions as span sizes (a side without spans is DetailFlow's of its (N, g, C))
    const sizes = (c: { tokens: number; group: number; causal: number; spans?: readonly number[] }): string => {
      try { return sizesOf(partitionOf(c)).join(', '); } catch (e) { return `invalid (${(e as Error).message})`; }
    };
    const t = sizes({ ...tok, causal: tok.causal ?? ar.causal });
    const a = sizes(ar);
    if (t !== a) problems.push(`partition (span sizes): the tokenizer has [${t}], the AR model [${a}]`);
  }
  return problems.length ? E.left(new ConfigError(problems, 'tokenizer/AR model pair')) : E.right({ tokenizer: tok, ar });
};

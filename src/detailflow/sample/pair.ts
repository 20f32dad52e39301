import * as E from 'fp-ts/lib/Either.js';
import { ConfigError } from '../../config/errors.ts';
import type { ArConfig } from '../ar/config.ts';

/** What the AR model must agree on with the tokenizer whose codes it models. */
export interface TokenizerShape {
  readonly codebookSize: number;
  readonly tokens: number;
  readonly group: number;
  readonly causal?: number;
}

/** Every mismatch between a tokenizer and an AR model (codebook size vs vocab, N, g, C), or the pair. */
export const checkTokenizerPair = (tok: TokenizerShape, ar: ArConfig): E.Either<ConfigError, { tokenizer: TokenizerShape; ar: ArConfig }> => {
  const problems: string[] = [];
  const same = (what: string, t: number | undefined, a: number) => {
    if (t !== undefined && t !== a) problems.push(`${what}: the tokenizer has ${t}, the AR model ${a}`);
  };
  same('codebook size (AR vocab)', tok.codebookSize, ar.vocab);
  same('tokens (N)', tok.tokens, ar.tokens);
  same('group (g)', tok.group, ar.group);
  same('causal (C)', tok.causal, ar.causal);
  return problems.length ? E.left(new ConfigError(problems, 'tokenizer/AR model pair')) : E.right({ tokenizer: tok, ar });
};

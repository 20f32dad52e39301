/** The two model files: fetched in parallel, parsed (safetensors + configuration check) and checked as a pair. */
import * as E from 'fp-ts/lib/Either.js';
import { decodeArFile, decodeTokenizerFile, type ArModelFile, type TokenizerModel } from '../src/detailflow/pretrained/model-files.ts';
import { checkTokenizerPair } from '../src/detailflow/sample/pair.ts';
import { fetchBytes, type Progress } from './fetch-bytes.ts';

export interface Models {
  readonly tokenizer: TokenizerModel;
  readonly ar: ArModelFile;
  /** Bytes of the largest single tensor: the biggest buffer the weights need on the device. */
  readonly largestTensor: { readonly name: string; readonly bytes: number };
}

const fileName = (url: string): string => decodeURIComponent(new URL(url).pathname.split('/').pop() || url);

const load = async <M>(what: string, url: string, decode: (b: Uint8Array) => E.Either<string, M>, onProgress: Progress): Promise<E.Either<string, M>> => {
  const got = await fetchBytes(url, onProgress);
  if (!got.ok) return E.left(`${what}: ${got.error}`);
  const m = decode(got.bytes);
  return E.mapLeft((e: string) => `${what}: ${fileName(url)} (${got.bytes.length} bytes) is not a usable ${what}: ${e}`)(m);
};

interface Leafy { readonly data?: ArrayLike<number> & { byteLength?: number } }

/** Walks a parameter tree for its largest array. */
const largest = (tree: unknown, path: string, best: { name: string; bytes: number }): { name: string; bytes: number } => {
  if (tree === null || typeof tree !== 'object') return best;
  const leaf = tree as Leafy;
  if (leaf.data && ArrayBuffer.isView(leaf.data)) return leaf.data.byteLength! > best.bytes ? { name: path, bytes: leaf.data.byteLength! } : best;
  return Object.entries(tree).reduce((b, [k, v]) => largest(v, path ? `${path}.${k}` : k, b), best);
};

export const loadModels = async (urls: { tokenizer: string; ar: string }, progress: { tokenizer: Progress; ar: Progress }): Promise<E.Either<string[], Models>> => {
  const [tok, ar] = await Promise.all([
    load('tokenizer', urls.tokenizer, decodeTokenizerFile, progress.tokenizer),
    load('AR model', urls.ar, decodeArFile, progress.ar),
  ]);
  const problems = [...(E.isLeft(tok) ? [tok.left] : []), ...(E.isLeft(ar) ? [ar.left] : [])];
  if (E.isLeft(tok) || E.isLeft(ar)) return E.left(problems);
  const tc = tok.right.tk.config;
  const pair = checkTokenizerPair({ codebookSize: tc.codebookSize, tokens: tc.tokens, group: tc.group, causal: tc.causal }, ar.right.config);
  if (E.isLeft(pair)) return E.left([`the tokenizer and the AR model do not belong together: ${pair.left.problems.join('; ')}`]);
  const big = largest(ar.right.ema, 'ar', largest(tok.right.params, 'tokenizer', { name: '', bytes: 0 }));
  return E.right({ tokenizer: tok.right, ar: ar.right, largestTensor: big });
};

/**
 * Code extraction (reference section 4.4): one clean encoding and one self-correction pass per
 * image with a noise span drawn for t = N, giving the triple (clean, input, label). Eval mode:
 * the tokenizer has no dropout, so the only randomness is the span and the near-neighbour noise.
 */
import * as O from 'fp-ts/lib/Option.js';
import { compile } from '../../compile/compile.ts';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { BackendName } from '../../compile/backend.ts';
import type { Node } from '../../ir/node.ts';
import type { Params } from '../../nn/module.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { sampleNoiseSpanOf, type Span } from '../noise-span.ts';
import { partitionOf } from '../partition-config.ts';
import type { Tokenizer, TokenizerParams } from '../tokenizer/model.ts';
import { selfCorrect } from '../tokenizer/self-correction.ts';

/** Image i's span: a pure function of (key, i), so an image and its flip share it, whatever the batching. */
export const spanForImage = (tk: Tokenizer, key: Key, image: number): Span => {
  const c = tk.config;
  const span = sampleNoiseSpanOf(foldIn(key, image), partitionOf(c), c.tokens);
  // t = N > 1 always has a span; a one-token tokenizer cannot be corrected
  if (O.isNone(span)) throw new RangeError(`self-correction needs at least 2 tokens, the tokenizer has ${c.tokens}`);
  return span.value;
};

/** Per-sample span masks [B, 3, N]: rows before s, inside [s, e), from e on. */
export const perSampleMasks = (tokens: number, spans: readonly Span[]): HostArray => {
  const m = new Float32Array(spans.length * 3 * tokens);
  spans.forEach((s, b) => {
    for (let i = 0; i < tokens; i++) m[(b * 3 + (i < s.start ? 0 : i < s.end ? 1 : 2)) * tokens + i] = 1;
  });
  return hostArray(m, [spans.length, 3, tokens]);
};

/** label = [clean[:e] ; new[e:]] = [clean[:e] ; input[e:]], row by row on the host. */
export const labelsOf = (clean: Int32Array, input: Int32Array, spans: readonly Span[], tokens: number): Int32Array => {
  const out = new Int32Array(clean.length);
  spans.forEach((s, b) => {
    for (let i = 0; i < tokens; i++) out[b * tokens + i] = i < s.end ? clean[b * tokens + i]! : input[b * tokens + i]!;
  });
  return out;
};

/** The compiled extraction: images [B, C, H, W], masks [B, 3, N], noise key -> clean and input indices [B, N]. */
export const codeExtractor = (tk: Tokenizer, backend: BackendName) => {
  const f = compile((p: Params<TokenizerParams>, images: Node, span: Node, key: Node) => {
    const clean = tk.encode(p, images);
    return { clean: clean.indices, input: selfCorrect(tk, p, images, clean, span, key).indices };
  }, { backend, name: 'extract-codes' });
  return {
    run: async (params: unknown, images: HostArray, spans: readonly Span[], noiseKey: Key) => {
      const out = await f.host(params, images, perSampleMasks(tk.config.tokens, spans), noiseKey);
      const asInt = (h: HostArray) => (h.data instanceof Int32Array ? h.data : Int32Array.from(h.data));
      const [clean, input] = [asInt(out.clean), asInt(out.input)];
      return { clean, input, label: labelsOf(clean, input, spans, tk.config.tokens) };
    },
  };
};

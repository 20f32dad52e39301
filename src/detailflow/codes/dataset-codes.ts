/**
 * The AR model's training codes: the first K images of a dataset and their flips, rows 2i and
 * 2i+1 (what extract-codes writes to a file, and what the comparison keeps in memory). A tokenizer trained with self-correction gives
 * the (clean, input, label) triples through the library's extractor; one trained without it
 * gives input = label = clean, so the AR model trains on clean codes only.
 */
import { compile } from '../../compile/compile.ts';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { BackendName } from '../../compile/backend.ts';
import { flipHorizontal } from '../../data/batches.ts';
import type { Dataset } from '../../data/dataset.ts';
import type { Node } from '../../ir/node.ts';
import type { Params } from '../../nn/module.ts';
import { foldIn, type Key } from '../../random/key.ts';
import type { Codes } from './codes-file.ts';
import { codeExtractor, spanForImage } from './extract.ts';
import type { Span } from '../noise-span.ts';
import type { Tokenizer, TokenizerParams } from '../tokenizer/model.ts';

const cleanExtractor = (tk: Tokenizer, backend: BackendName) => {
  const f = compile((p: Params<TokenizerParams>, images: Node) => tk.encode(p, images).indices, { backend, name: 'encode-clean' });
  return {
    run: async (params: unknown, images: HostArray) => {
      const h = await f.host(params, images);
      const clean = h.data instanceof Int32Array ? h.data : Int32Array.from(h.data);
      return { clean, input: clean, label: clean };
    },
  };
};

export interface DatasetCodesOptions {
  /** Where the codes come from, recorded in the codes file (default 'memory'). */
  readonly source?: string;
  /** Called after each batch with the images encoded so far. */
  readonly onBatch?: (done: number, total: number) => void;
}

/**
 * Spans come from foldIn(key, 0) per image index and the noise from foldIn(foldIn(key, 1), first
 * image of the batch), so a row depends on the batch size only through its noise draw.
 */
export const datasetCodes = async (
  tk: Tokenizer, params: TokenizerParams, data: Dataset, count: number, batch: number, key: Key, backend: BackendName,
  opts: DatasetCodesOptions = {},
): Promise<Codes> => {
  const c = tk.config;
  const images = Math.min(count, data.count);
  const per = Math.min(batch, images);
  const N = c.tokens;
  const pix = c.channels * c.size * c.size;
  const rows = 2 * images;
  const out = { clean: new Int32Array(rows * N), input: new Int32Array(rows * N), label: new Int32Array(rows * N), spans: new Int32Array(rows * 2), classes: new Int32Array(rows) };
  const correcting = c.selfCorrection ? codeExtractor(tk, backend) : undefined;
  const plain = c.selfCorrection ? undefined : cleanExtractor(tk, backend);
  for (let first = 0; first < images; first += per) {
    // a static batch shape keeps one compiled plan: the last batch is padded with image 0
    const batchImages = new Float32Array(2 * per * pix);
    const spans: Span[] = [];
    for (let b = 0; b < per; b++) {
      const i = first + b < images ? first + b : 0;
      const img = data.images.subarray(i * pix, (i + 1) * pix);
      batchImages.set(img, 2 * b * pix);
      batchImages.set(flipHorizontal(img, c.channels, c.size, c.size), (2 * b + 1) * pix);
      const span = correcting ? spanForImage(tk, foldIn(key, 0), i) : { start: N, end: N };
      spans.push(span, span);
    }
    const x = hostArray(batchImages, [2 * per, c.channels, c.size, c.size]);
    const r = correcting ? await correcting.run(params, x, spans, foldIn(foldIn(key, 1), first)) : await plain!.run(params, x);
    const n = Math.min(per, images - first);
    for (let b = 0; b < 2 * n; b++) {
      const row = 2 * first + b;
      out.clean.set(r.clean.subarray(b * N, (b + 1) * N), row * N);
      out.input.set(r.input.subarray(b * N, (b + 1) * N), row * N);
      out.label.set(r.label.subarray(b * N, (b + 1) * N), row * N);
      out.spans.set([spans[b]!.start, spans[b]!.end], row * 2);
      out.classes[row] = data.labels[first + (b >> 1)]!;
    }
    opts.onBatch?.(first + n, images);
  }
  return { shape: { codebookSize: c.codebookSize, tokens: N, group: c.group, causal: c.causal, ...(c.spans ? { spans: c.spans } : {}) }, source: opts.source ?? 'memory', count: rows, ...out };
};

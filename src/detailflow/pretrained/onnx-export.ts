/**
 * A trained tokenizer and AR model as plain ONNX inference graphs (`detailflow export-onnx`): one
 * graph per sampler pass of the pass plan (the first-group token passes and the grouped passes,
 * each with its KV cache as inputs and outputs), the tokenizer's decoder at every prefix t of the
 * pass plan (side dec(t)), and the encoder, with a manifest that says how to run them.
 *
 * Shapes are fixed (ONNX graphs of this project are traced per input signature): the batch B and
 * whether classifier-free guidance doubles the rows are chosen at export. The weights are
 * constants of the graphs (shared through one external-data file, see externalizeWeights).
 *
 * Randomness: as everywhere in this project, random numbers are made on the host from keys. An
 * exported pass takes its sampling randomness as an explicit input, `uniform` (float32
 * [B, w, 1], one uniform draw in [0, 1) per sampled token; the token is drawn by inverse CDF of
 * the filtered, tempered, guided softmax). Any uniform source works; detailflow's own stream for
 * key K is uniform(foldIn(K, i), shape) for pass i, which `hostInputs` reproduces.
 */
import { exportGraph, externalizeWeights, hostInputs, ONNX_OPSET, type ExportedGraph, type ExportedTensor, type RandomInput, type TensorSpec } from '../../compile/onnx/export.ts';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import type { Params } from '../../nn/module.ts';
import { foldIn, keyFromSeed, type Key } from '../../random/key.ts';
import type { LayerCache } from '../ar/block.ts';
import { nullClassOf } from '../ar/config.ts';
import { tokenSpan } from '../ar/layout.ts';
import { arModel, type ArParams } from '../ar/model.ts';
import { passInputLengthOf, passPlanOf } from '../pass-plan.ts';
import { resolutionAt } from '../resolution.ts';
import { passGraph, type PassInputs, type PassSpec } from '../sample/pass-graph.ts';
import type { TokenizerParams } from '../tokenizer/model.ts';
import type { ArModelFile, TokenizerModel } from './model-files.ts';

export interface OnnxExportOptions {
  /** Images per call (rows B). */
  readonly batch: number;
  /** Export the passes with classifier-free guidance: the model runs on [cond ; null] rows, `scale` mixes them. */
  readonly guidance: boolean;
  readonly topK?: number;
  readonly topP?: number;
}

export interface ManifestGraph {
  readonly file: string;
  readonly inputs: readonly ExportedTensor[];
  readonly outputs: readonly ExportedTensor[];
  /** The inputs that are random draws, with how detailflow makes them (a subset of inputs). */
  readonly random: readonly Omit<RandomInput, 'dtype'>[];
  readonly nodes: number;
}

export interface ManifestPass extends ManifestGraph {
  readonly index: number;
  /** Sequence positions this pass computes, [from, to) (the cache holds [0, from)). */
  readonly from: number;
  readonly to: number;
  /** Token indices it samples, [start, end): its `sampled` output is int32 [B, end - start]. */
  readonly sample: { readonly start: number; readonly end: number };
  /** Tokens it takes as input, [start, end) of those sampled so far (null: none). */
  readonly tokensIn: { readonly start: number; readonly end: number } | null;
}

export interface OnnxManifest {
  readonly format: 'detailflow-onnx';
  readonly version: 1;
  readonly opset: number;
  readonly domains: readonly string[];
  readonly weights: string;
  readonly batch: number;
  readonly guidance: boolean;
  readonly filter: { readonly topK: number | null; readonly topP: number | null };
  readonly sampling: string;
  readonly tokenizer: {
    readonly config: unknown;
    /** R(n) and dec(n) for n = 1..N (index n - 1). */
    readonly R: readonly number[];
    readonly dec: readonly number[];
    readonly pixels: string;
  };
  readonly ar: { readonly config: unknown; readonly nullClass: number | null };
  readonly passes: readonly ManifestPass[];
  /** Decoders by prefix length t: [B, t] int32 indices -> `image` float32 [B, C, dec(t), dec(t)]. */
  readonly decoders: readonly (ManifestGraph & { readonly t: number; readonly side: number })[];
  readonly encoder: ManifestGraph;
}

export interface OnnxExport {
  /** File name -> bytes: the .onnx graphs and the shared weights. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly manifest: OnnxManifest;
  /** The pass graphs, for `passRandomInputs`. */
  readonly passGraphs: readonly ExportedGraph[];
}

export const WEIGHTS_FILE = 'weights.bin';
export const MANIFEST_FILE = 'manifest.json';

const SAMPLING = 'Each pass i draws its tokens by inverse CDF: softmax of the guided logits c + (scale - 1)(c - u) '
  + '(unguided: c), divided by max(temperature, 1e-5), after the top-k/top-p filter chosen at export; the token is the '
  + 'first index whose cumulative probability exceeds uniform * total. `uniform` is any float32 in [0, 1) per sampled '
  + 'token; each random input names how detailflow makes it from a key (`derivation`; the key of pass i is '
  + 'foldIn(K, i) for the sampling key K), and feeding those values gives exactly the library\'s samples. Tokens sampled so far are fed back as `tokens` (the range tokensIn), '
  + 'and every present_L_keys/values output of pass i is the past_L_keys/values input of pass i + 1.';

const graphEntry = (e: ExportedGraph, file: string): ManifestGraph => ({
  file, inputs: e.inputs, outputs: e.outputs, nodes: e.nodes,
  random: e.random.map(({ name, shape, distribution, derivation }) => ({ name, shape, distribution, derivation })),
});

/** Everything `export-onnx` writes, as bytes. */
export const exportOnnx = (models: { readonly tokenizer: TokenizerModel; readonly ar: ArModelFile }, o: OnnxExportOptions): OnnxExport => {
  const { tk } = models.tokenizer;
  const config = models.ar.config;
  const model = arModel(config);
  const B = o.batch;
  const rows = o.guidance ? 2 * B : B;
  const tkParams = models.tokenizer.params;
  const f32 = (shape: number[]): TensorSpec => ({ shape, dtype: 'float32' });
  const i32 = (shape: number[]): TensorSpec => ({ shape, dtype: 'int32' });

  const graphs: { file: string; graph: ExportedGraph }[] = [];
  const passes: ManifestPass[] = [];
  const spans = passPlanOf(model.layout);
  let cache: LayerCache<TensorSpec>[] | undefined;
  for (const [i, span] of spans.entries()) {
    const from = cache ? cache[0].values.shape[2] : 0;
    const to = passInputLengthOf(model.layout, span);
    const held = tokenSpan(from, to, model.layout);
    const spec: PassSpec = {
      from, to, sample: span, doubled: o.guidance, keepCache: i < spans.length - 1,
      ...(o.topK !== undefined ? { topK: o.topK } : {}), ...(o.topP !== undefined ? { topP: o.topP } : {}),
    };
    const args = {
      ...(cache ? { past: cache } : {}),
      ...(from === 0 ? { classes: i32([rows]) } : {}),
      ...(held.end > held.start ? { tokens: i32([B, held.end - held.start]) } : {}),
      key: keyFromSeed(0), scale: f32([]), temperature: f32([]),
    };
    const name = `ar-pass-${String(i).padStart(2, '0')}`;
    // the cache comes in as past_L_keys/values and goes out as present_L_keys/values (names must differ)
    const graph = exportGraph(name, (p: Params<ArParams>, a: PassInputs & { readonly past?: readonly LayerCache[] }) => {
      const { past, ...x } = a;
      const r = passGraph(model, spec)(p, past ? { ...x, cache: past } : x);
      return r.cache ? { sampled: r.tokens, present: r.cache } : { sampled: r.tokens };
    }, [models.ar.ema, args], { constants: [0] });
    const out = (n: string) => graph.outputs.find((t) => t.name === n)!;
    cache = spec.keepCache ? Array.from({ length: config.depth }, (_, k) => ({ keys: out(`present_${k}_keys`), values: out(`present_${k}_values`) })) : undefined;
    const file = `${name}.onnx`;
    graphs.push({ file, graph });
    passes.push({ index: i, from, to, sample: { start: span.start, end: span.end }, tokensIn: held.end > held.start ? held : null, ...graphEntry(graph, file) });
  }

  const decoders = passes.map((p) => {
    const t = p.sample.end;
    const name = `decoder-t${String(t).padStart(3, '0')}`;
    const graph = exportGraph(name, (p: Params<TokenizerParams>, a: { indices: Node }) => ({ image: tk.decodeIndices(p, a.indices) }), [tkParams, { indices: i32([B, t]) }], { constants: [0] });
    graphs.push({ file: `${name}.onnx`, graph });
    return { t, side: tk.decoderSide(t), ...graphEntry(graph, `${name}.onnx`) };
  });
  const c = tk.config;
  const encoder = exportGraph('encoder', (p: Params<TokenizerParams>, a: { image: Node }) => ({ tokens: tk.encode(p, a.image).indices }), [tkParams, { image: f32([B, c.channels, c.size, c.size]) }], { constants: [0] });
  graphs.push({ file: 'encoder.onnx', graph: encoder });

  const ext = externalizeWeights(graphs.map((g) => g.graph.model), WEIGHTS_FILE);
  const files = new Map<string, Uint8Array>(graphs.map((g, k) => [g.file, ext.models[k]]));
  files.set(WEIGHTS_FILE, ext.weights);
  const N = c.tokens;
  const manifest: OnnxManifest = {
    format: 'detailflow-onnx', version: 1, opset: ONNX_OPSET, domains: ['ai.onnx (the default domain) only'], weights: WEIGHTS_FILE,
    batch: B, guidance: o.guidance, filter: { topK: o.topK ?? null, topP: o.topP ?? null }, sampling: SAMPLING,
    tokenizer: {
      config: c,
      R: Array.from({ length: N }, (_, n) => resolutionAt(tk.resolutionMap, n + 1)),
      dec: Array.from({ length: N }, (_, n) => tk.decoderSide(n + 1)),
      pixels: 'images are float32 CHW in [-1, 1] (encoder input, decoder output)',
    },
    ar: { config, nullClass: nullClassOf(config) ?? null },
    passes, decoders, encoder: graphEntry(encoder, 'encoder.onnx'),
  };
  return { files, manifest, passGraphs: graphs.slice(0, passes.length).map((g) => g.graph) };
};

/** The random inputs of pass i for the sampling key `key`, as detailflow's grouped sampler makes them. */
export const passRandomInputs = (e: OnnxExport, i: number, key: Key): Record<string, HostArray> =>
  hostInputs(e.passGraphs[i], { key: foldIn(key, i) });

/** The classes input of the first pass: the labels, then as many null-class rows under guidance. */
export const classesInput = (m: OnnxManifest, labels: readonly number[]): HostArray => {
  const rows = m.guidance ? [...labels, ...labels.map(() => m.ar.nullClass ?? 0)] : [...labels];
  return hostArray(Int32Array.from(rows), [rows.length]);
};

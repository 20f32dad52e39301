/**
 * The official DetailFlow models as configurations. Sizes that the weights imply (widths,
 * depths, MLP widths, N, codebook, patch) are read from the state dict's shapes; what no shape
 * implies (heads, g, C, the degradation power) comes from the fixture's metadata, a config
 * file or the release defaults below. The official numerics that differ from the project's
 * small models are named here, not forked: LayerNorm eps 1e-6, separate k/v/q/out projections,
 * gelu-tanh MLPs, learned position grids resized with antialiased bilinear, (p, q, c) patches.
 */
import * as E from 'fp-ts/lib/Either.js';
import { decodeArConfig, llamaMlpHidden, type ArConfig } from '../ar/config.ts';

/** One SigLIP-style tower (pre-LN ViT). */
export interface TowerConfig {
  readonly width: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpWidth: number;
  /** Side of the learned position grid (position_embedding has grid² rows). */
  readonly grid: number;
}

export interface OfficialTokenizerConfig {
  readonly imageSize: number;
  readonly patch: number;
  /** N, g and C (C = causal_num, defaulting to g as create_attn_mask_for_x_z does). */
  readonly tokens: number;
  readonly group: number;
  readonly causal: number;
  readonly codebookSize: number;
  readonly codeDim: number;
  /** The degradation power alpha of R(t) (decoder output size per prefix). */
  readonly alpha: number;
  readonly encoder: TowerConfig;
  readonly decoder: TowerConfig;
  /** SigLIP's LayerNorm eps. */
  readonly eps: number;
}

/** What the shapes cannot say; the defaults are the released models' (so400m encoder, 12-head decoder, g = 8, power 1.5). */
export interface TokenizerHints {
  readonly imageSize?: number;
  readonly group?: number;
  readonly causal?: number;
  readonly alpha?: number;
  readonly encoderHeads?: number;
  readonly decoderHeads?: number;
}
export const releaseTokenizerHints: Required<Omit<TokenizerHints, 'causal' | 'imageSize'>> = { group: 8, alpha: 1.5, encoderHeads: 16, decoderHeads: 12 };

export type Shapes = ReadonlyMap<string, readonly number[]>;

const layerCount = (shapes: Shapes, prefix: string): number => {
  let n = 0;
  while (shapes.has(`${prefix}.${n}.layer_norm1.weight`)) n++;
  return n;
};

/** The tokenizer configuration the state dict's shapes imply, with the hints for the rest. */
export const tokenizerConfigFromShapes = (shapes: Shapes, hints: TokenizerHints = {}): E.Either<string[], OfficialTokenizerConfig> => {
  const need = (k: string, rank: number): readonly number[] | undefined => {
    const s = shapes.get(k);
    return s && s.length === rank ? s : undefined;
  };
  const lat = need('encoder.latent_tokens', 3);
  const patchW = need('encoder.visual_model.embeddings.patch_embedding.weight', 2);
  const encPos = need('encoder.visual_model.embeddings.position_embedding.weight', 2);
  const encFc1 = need('encoder.visual_model.encoder.layers.0.mlp.fc1.weight', 2);
  const decLat = need('decoder.latent_pos_embed', 3);
  const decPos = need('decoder.visual_model.embeddings.position_embedding.weight', 2);
  const decFc1 = need('decoder.visual_model.encoder.layers.0.mlp.fc1.weight', 2);
  const book = need('quantize.embedding.weight', 2);
  const missing = Object.entries({ 'encoder.latent_tokens': lat, 'encoder.visual_model.embeddings.patch_embedding.weight': patchW,
    'encoder.visual_model.embeddings.position_embedding.weight': encPos, 'encoder.visual_model.encoder.layers.0.mlp.fc1.weight': encFc1,
    'decoder.latent_pos_embed': decLat, 'decoder.visual_model.embeddings.position_embedding.weight': decPos,
    'decoder.visual_model.encoder.layers.0.mlp.fc1.weight': decFc1, 'quantize.embedding.weight': book })
    .filter(([, v]) => v === undefined).map(([k]) => `${k}: missing (or of another rank), so the tokenizer's sizes cannot be read from the weights`);
  if (missing.length > 0) return E.left(missing);
  const side = (rows: number, what: string): number | string => (Number.isInteger(Math.sqrt(rows)) ? Math.sqrt(rows) : `${what} has ${rows} rows, not a square grid`);
  const patch = Math.sqrt(patchW![1] / 3);
  const encGrid = side(encPos![0], 'encoder position_embedding');
  const decGrid = side(decPos![0], 'decoder position_embedding');
  const group = hints.group ?? releaseTokenizerHints.group;
  const p: string[] = [];
  if (!Number.isInteger(patch)) p.push(`patch_embedding.weight [${patchW}] is not [width, 3 * P * P]`);
  if (typeof encGrid === 'string') p.push(encGrid);
  if (typeof decGrid === 'string') p.push(decGrid);
  if (p.length > 0) return E.left(p);
  const c: OfficialTokenizerConfig = {
    imageSize: hints.imageSize ?? (encGrid as number) * patch,
    patch,
    tokens: lat![1], group, causal: hints.causal ?? group,
    codebookSize: book![0], codeDim: book![1],
    alpha: hints.alpha ?? releaseTokenizerHints.alpha,
    encoder: { width: lat![2], depth: layerCount(shapes, 'encoder.visual_model.encoder.layers'), heads: hints.encoderHeads ?? releaseTokenizerHints.encoderHeads, mlpWidth: encFc1![0], grid: encGrid as number },
    decoder: { width: decLat![2], depth: layerCount(shapes, 'decoder.visual_model.encoder.layers'), heads: hints.decoderHeads ?? releaseTokenizerHints.decoderHeads, mlpWidth: decFc1![0], grid: decGrid as number },
    eps: 1e-6,
  };
  return checkTokenizerConfig(c);
};

export const checkTokenizerConfig = (c: OfficialTokenizerConfig): E.Either<string[], OfficialTokenizerConfig> => {
  const p: string[] = [];
  if (c.imageSize % c.patch !== 0) p.push(`imageSize ${c.imageSize} is not a multiple of patch ${c.patch}`);
  if (c.tokens % c.group !== 0) p.push(`group g = ${c.group} does not divide N = ${c.tokens}`);
  if (c.causal % c.group !== 0 || c.causal > c.tokens) p.push(`causal C = ${c.causal} must be a multiple of g = ${c.group} and at most N = ${c.tokens}`);
  for (const [name, t] of [['encoder', c.encoder], ['decoder', c.decoder]] as const) {
    if (t.width % t.heads !== 0) p.push(`${name}.heads ${t.heads} does not divide ${name} width ${t.width}`);
    if (t.depth < 1) p.push(`${name} has no layers`);
  }
  return p.length > 0 ? E.left(p) : E.right(c);
};

/** Official GPT ModelArgs (gpt_model_args / config.json) fields the project's AR configuration needs. */
export interface GptArgs {
  readonly dim: number;
  readonly n_layer: number;
  readonly n_head: number;
  readonly vocab_size: number;
  readonly block_size: number;
  readonly num_classes: number;
  readonly group_size: number;
  readonly causal_num?: number | null;
  readonly norm_eps?: number;
  readonly rope_base?: number;
  readonly multiple_of?: number;
  readonly ffn_dim_multiplier?: number | null;
}

/** GPT-L as DetailFlow-16/32/64 use it (N varies: 128, 256, 512). */
export const releaseGptL = (tokens: number): GptArgs =>
  ({ dim: 1024, n_layer: 24, n_head: 16, vocab_size: 8192, block_size: tokens, num_classes: 1000, group_size: 8 });

/**
 * The official LlamaGen GPT is the project's AR model under this configuration: the reference
 * quirks (zero rotation at the class position, N(0, 1) placeholders, null class row) are its
 * defaults already; inference turns dropout off.
 */
export const arConfigOfGpt = (a: GptArgs): E.Either<string[], ArConfig> => {
  if (a.ffn_dim_multiplier != null) return E.left(['ffn_dim_multiplier is set; DetailFlow\'s GPTs use find_multiple(8 dim / 3, 256)']);
  const r = decodeArConfig({
    vocab: a.vocab_size, tokens: a.block_size, group: a.group_size, causal: a.causal_num ?? a.group_size,
    classes: a.num_classes, nullClass: true, width: a.dim, depth: a.n_layer, heads: a.n_head,
    mlpHidden: llamaMlpHidden(a.dim, a.multiple_of ?? 256), normEps: a.norm_eps ?? 1e-5, ropeBase: a.rope_base ?? 10000,
    embedDropout: 0, residDropout: 0, ffnDropout: 0, attnDropout: 0,
  });
  return E.isLeft(r) ? E.left([...r.left.problems]) : E.right(r.right);
};

/**
 * Official state-dict names and the project's parameter trees, one entry per tensor: where it
 * goes, the shape the configuration implies, whether PyTorch's [out, in] weight is transposed
 * to the project's [in, out], and which configuration fields imply the shape (for messages).
 * Keys inference never reads are listed with the reason they are dropped.
 */
import type { ArConfig } from '../ar/config.ts';
import type { OfficialTokenizerConfig, TowerConfig } from './config.ts';

export type TreePath = readonly (string | number)[];

export interface KeyEntry {
  readonly key: string;
  readonly path: TreePath;
  /** The shape in the official file. */
  readonly shape: readonly number[];
  /** Shape in the project's tree (after the transpose or the squeeze of leading 1s). */
  readonly target: readonly number[];
  readonly transpose: boolean;
  /** The configuration fields that imply the shape. */
  readonly fields: string;
}

const linear = (key: string, path: TreePath, out: number, inp: number, fields: string, bias = true): KeyEntry[] => [
  { key: `${key}.weight`, path: [...path, 'w'], shape: [out, inp], target: [inp, out], transpose: true, fields },
  ...(bias ? [{ key: `${key}.bias`, path: [...path, 'b'], shape: [out], target: [out], transpose: false, fields }] : []),
];
const plain = (key: string, path: TreePath, shape: readonly number[], fields: string, target = shape): KeyEntry =>
  ({ key, path, shape, target, transpose: false, fields });

const tower = (prefix: string, path: TreePath, t: TowerConfig, name: string): KeyEntry[] => {
  const w = `${name}.width`;
  const out: KeyEntry[] = [];
  for (let i = 0; i < t.depth; i++) {
    const k = `${prefix}.encoder.layers.${i}`;
    const b: TreePath = [...path, 'stack', 'blocks', i];
    // SigLIP registers k, v, q, out: the state dict keeps that order
    for (const proj of ['k', 'v', 'q', 'out'] as const) out.push(...linear(`${k}.self_attn.${proj}_proj`, [...b, 'attn', 'attn', proj], t.width, t.width, w));
    out.push(plain(`${k}.layer_norm1.weight`, [...b, 'attn', 'norm', 'scale'], [t.width], w), plain(`${k}.layer_norm1.bias`, [...b, 'attn', 'norm', 'bias'], [t.width], w));
    out.push(...linear(`${k}.mlp.fc1`, [...b, 'mlp', 'mlp', 'fc1'], t.mlpWidth, t.width, `${w}, ${name}.mlpWidth`));
    out.push(...linear(`${k}.mlp.fc2`, [...b, 'mlp', 'mlp', 'fc2'], t.width, t.mlpWidth, `${w}, ${name}.mlpWidth`));
    out.push(plain(`${k}.layer_norm2.weight`, [...b, 'mlp', 'norm', 'scale'], [t.width], w), plain(`${k}.layer_norm2.bias`, [...b, 'mlp', 'norm', 'bias'], [t.width], w));
  }
  out.push(plain(`${prefix}.post_layernorm.weight`, [...path, 'stack', 'norm', 'scale'], [t.width], w));
  out.push(plain(`${prefix}.post_layernorm.bias`, [...path, 'stack', 'norm', 'bias'], [t.width], w));
  return out;
};

/** Every tokenizer key inference uses, in the official state_dict order. */
export const tokenizerKeys = (c: OfficialTokenizerConfig): KeyEntry[] => {
  const E = c.encoder;
  const D = c.decoder;
  const N = c.tokens;
  const ev = 'encoder.visual_model';
  const dv = 'decoder.visual_model';
  return [
    plain('encoder.latent_pos_embed', ['encoder', 'latentPos'], [1, N, E.width], 'tokens (num_latent_tokens), encoder.width', [N, E.width]),
    plain('encoder.latent_tokens', ['encoder', 'latentTokens'], [1, N, E.width], 'tokens (num_latent_tokens), encoder.width', [N, E.width]),
    plain('encoder.refined_tokens', ['encoder', 'refinedTokens'], [1, N, E.width], 'tokens (num_latent_tokens), encoder.width', [N, E.width]),
    ...linear(`${ev}.embeddings.patch_embedding`, ['encoder', 'patchEmbed'], E.width, 3 * c.patch * c.patch, 'encoder.width, patch (enc_patch_size)'),
    plain(`${ev}.embeddings.position_embedding.weight`, ['encoder', 'pos'], [E.grid * E.grid, E.width], 'encoder.grid, encoder.width'),
    ...tower(ev, ['encoder'], E, 'encoder'),
    plain('decoder.latent_pos_embed', ['decoder', 'latentPos'], [1, N, D.width], 'tokens (num_latent_tokens), decoder.width', [N, D.width]),
    plain('decoder.mask_token', ['decoder', 'maskToken'], [1, 1, D.width], 'decoder.width', [D.width]),
    plain(`${dv}.embeddings.position_embedding.weight`, ['decoder', 'pos'], [D.grid * D.grid, D.width], 'decoder.grid, decoder.width'),
    ...tower(dv, ['decoder'], D, 'decoder'),
    ...linear('decoder.to_pixel.model', ['decoder', 'toPixel'], 3 * c.patch * c.patch, D.width, 'patch (dec_patch_size), decoder.width'),
    ...linear('quant_conv', ['quantConv'], c.codeDim, E.width, 'codeDim (codebook_embed_dim), encoder.width'),
    ...linear('post_quant_conv', ['postQuantConv'], D.width, c.codeDim, 'decoder.width, codeDim (codebook_embed_dim)'),
    ...linear('refine_conv', ['refineConv'], E.width, c.codeDim, 'encoder.width, codeDim (codebook_embed_dim)'),
    plain('quantize.embedding.weight', ['codebook'], [c.codebookSize, c.codeDim], 'codebookSize (codebook_size), codeDim (codebook_embed_dim)'),
  ];
};

/** Keys present in official files that inference does not use, and why they are dropped. */
export const droppedTokenizerKeys: readonly { readonly prefix: string; readonly why: string }[] = [
  { prefix: 'repa_model.', why: 'the frozen SigLIP2 teacher, used only by the training alignment loss' },
  { prefix: 'global_token_proj.', why: 'the token-0 alignment MLP, used only in training' },
  { prefix: 'quantize.codebook_used', why: 'a codebook usage log, not a weight' },
];

/** Every GPT key, mapped onto the project's ArParams (weights transposed to [in, out]). */
export const gptKeys = (c: ArConfig): KeyEntry[] => {
  const w = c.width;
  const out: KeyEntry[] = [
    plain('cls_embedding.embedding_table.weight', ['classEmbed', 'table'], [c.classes + 1, w], 'classes (num_classes) + 1 null class, width (dim)'),
    plain('tok_embeddings.weight', ['tokEmbed', 'table'], [c.vocab, w], 'vocab (vocab_size), width (dim)'),
  ];
  for (let i = 0; i < c.depth; i++) {
    const k = `layers.${i}`;
    out.push(
      ...linear(`${k}.attention.wqkv`, ['blocks', i, 'attn', 'qkv'], 3 * w, w, 'width (dim)', false),
      ...linear(`${k}.attention.wo`, ['blocks', i, 'attn', 'out'], w, w, 'width (dim)', false),
      ...linear(`${k}.feed_forward.w1`, ['blocks', i, 'ffn', 'gate'], c.mlpHidden, w, 'width (dim), mlpHidden (find_multiple(8 dim / 3, 256))', false),
      ...linear(`${k}.feed_forward.w3`, ['blocks', i, 'ffn', 'up'], c.mlpHidden, w, 'width (dim), mlpHidden (find_multiple(8 dim / 3, 256))', false),
      ...linear(`${k}.feed_forward.w2`, ['blocks', i, 'ffn', 'down'], w, c.mlpHidden, 'width (dim), mlpHidden (find_multiple(8 dim / 3, 256))', false),
      plain(`${k}.attention_norm.weight`, ['blocks', i, 'attnNorm', 'scale'], [w], 'width (dim)'),
      plain(`${k}.ffn_norm.weight`, ['blocks', i, 'ffnNorm', 'scale'], [w], 'width (dim)'),
    );
  }
  out.push(
    plain('norm.weight', ['norm', 'scale'], [w], 'width (dim)'),
    ...linear('output', ['head'], c.vocab, w, 'vocab (vocab_size), width (dim)', false),
  );
  if (c.group > 1) out.push(plain('spe_tok_embeddings.special_embeddings.weight', ['placeholders', 'table'], [c.group - 1, w], 'group (group_size) - 1 placeholders, width (dim)'));
  return out;
};

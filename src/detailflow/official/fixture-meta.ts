/** The `detailflow_fixture` metadata of an official fixture, read loosely (any size, any config). */
import * as E from 'fp-ts/lib/Either.js';
import type { GptArgs, TokenizerHints } from './config.ts';
import { parseJsonBounded } from '../../io/json.ts';

export interface FixtureMeta {
  readonly kind: 'tokenizer' | 'ar';
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly args: Readonly<Record<string, unknown>>;
}

const rec = (u: unknown): Record<string, unknown> => (typeof u === 'object' && u !== null && !Array.isArray(u) ? u as Record<string, unknown> : {});
const num = (u: unknown): number | undefined => (typeof u === 'number' && Number.isFinite(u) ? u : undefined);

export const readFixtureMeta = (metadata: Readonly<Record<string, string>>): E.Either<string, FixtureMeta> => {
  const text = metadata['detailflow_fixture'];
  if (text === undefined) return E.left("the file has no 'detailflow_fixture' metadata: it is not an official fixture");
  const u = parseJsonBounded(text);
  if (E.isLeft(u)) return E.left(`'detailflow_fixture' metadata: ${u.left}`);
  const m = rec(u.right);
  if (m['kind'] !== 'tokenizer' && m['kind'] !== 'ar') return E.left(`fixture kind ${JSON.stringify(m['kind'])} is neither 'tokenizer' nor 'ar'`);
  return E.right({ kind: m['kind'], name: String(m['name'] ?? 'fixture'), config: rec(m['config']), args: rec(m['kind'] === 'tokenizer' ? m['vq_model_args'] : m['gpt_model_args']) });
};

/** What the shapes cannot say, from the constructor kwargs and the fixture configuration. */
export const tokenizerHintsOf = (m: FixtureMeta): TokenizerHints => ({
  imageSize: num(m.args['image_size']),
  group: num(m.args['group_size']),
  causal: num(m.args['causal_num']) ?? num(m.config['causal_num']),
  alpha: num(m.config['degradation_power']),
  encoderHeads: num(rec(m.config['encoder_standin'])['num_attention_heads']),
  decoderHeads: num(rec(m.config['decoder'])['num_heads']),
});

export const gptArgsOf = (m: FixtureMeta): E.Either<string, GptArgs> => {
  const a = m.args;
  const sizes = {
    dim: num(a['dim']), n_layer: num(a['n_layer']), n_head: num(a['n_head']), vocab_size: num(a['vocab_size']),
    block_size: num(a['block_size']), num_classes: num(a['num_classes']), group_size: num(a['group_size']),
  };
  const need = Object.entries(sizes).filter(([, v]) => v === undefined).map(([k]) => k);
  const { dim, n_layer, n_head, vocab_size, block_size, num_classes, group_size } = sizes;
  if (dim === undefined || n_layer === undefined || n_head === undefined || vocab_size === undefined
    || block_size === undefined || num_classes === undefined || group_size === undefined) return E.left(`gpt_model_args lacks ${need.join(', ')}`);
  // the optional fields: absent or null mean the default, anything else must be a number
  const bad = ['causal_num', 'norm_eps', 'rope_base', 'multiple_of', 'ffn_dim_multiplier'].filter((k) => a[k] !== undefined && a[k] !== null && num(a[k]) === undefined);
  if (bad.length > 0) return E.left(`gpt_model_args ${bad.join(', ')} must be ${bad.length === 1 ? 'a number' : 'numbers'}`);
  const orNull = (k: string): number | null | undefined => (a[k] === null ? null : num(a[k]));
  return E.right({
    dim, n_layer, n_head, vocab_size, block_size, num_classes, group_size,
    causal_num: orNull('causal_num'), norm_eps: num(a['norm_eps']), rope_base: num(a['rope_base']),
    multiple_of: num(a['multiple_of']), ffn_dim_multiplier: orNull('ffn_dim_multiplier'),
  });
};

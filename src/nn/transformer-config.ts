import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { ConfigError, problemsOf } from '../config/errors.ts';

const where = (name: string, ok: (n: number) => boolean): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(name, (u): u is number => typeof u === 'number' && ok(u),
    (u, c) => (typeof u === 'number' && ok(u) ? t.success(u) : t.failure(u, c)), t.identity);

const positiveInt = where('a positive integer', (n) => Number.isInteger(n) && n >= 1);
const nonNegativeInt = where('a non-negative integer', (n) => Number.isInteger(n) && n >= 0);
const rate = where('a rate in [0, 1)', (n) => n >= 0 && n < 1);
const positive = where('a positive number', (n) => Number.isFinite(n) && n > 0);

const required = t.type({ width: positiveInt, heads: positiveInt, mlpWidth: positiveInt, depth: nonNegativeInt });
const optional = t.partial({
  norm: t.keyof({ layer: null, rms: null }),
  activation: t.keyof({ gelu: null, silu: null, relu: null, tanh: null, swiglu: null }),
  eps: positive,
  dropout: rate,
  attnDropout: rate,
  qkv: t.keyof({ fused: null, separate: null }),
  bias: t.boolean,
  finalNorm: t.boolean,
});

/** What a caller writes: the four sizes, everything else optional. */
export type TransformerConfigInput = t.TypeOf<typeof required> & t.TypeOf<typeof optional>;
/** A decoded configuration: every field present and valid. */
export type TransformerConfig = Readonly<Required<TransformerConfigInput>>;

export const transformerDefaults = {
  norm: 'layer', activation: 'gelu', eps: 1e-5, dropout: 0, attnDropout: 0, qkv: 'fused', bias: true, finalNorm: false,
} as const satisfies Omit<TransformerConfig, 'width' | 'heads' | 'mlpWidth' | 'depth'>;

/** Decodes a transformer configuration, reporting every problem (fields and width % heads). */
export const decodeTransformerConfig = (u: unknown): E.Either<ConfigError, TransformerConfig> => {
  // the two halves are decoded apart so that problems in both are reported, with plain field paths
  const r = required.decode(u);
  const o = optional.decode(u);
  const problems = [...(E.isLeft(r) ? problemsOf(r.left) : []), ...(E.isLeft(o) ? problemsOf(o.left) : [])];
  return pipe(
    E.isRight(r) && E.isRight(o) ? E.right({ ...o.right, ...r.right }) : E.left(problems),
    E.chain((c) => (c.width % c.heads === 0 ? E.right(c) : E.left([`width/heads: width ${c.width} must be divisible by heads ${c.heads}`]))),
    E.bimap((ps) => new ConfigError(ps, 'transformer configuration'), (c): TransformerConfig => ({ ...transformerDefaults, ...c })),
  );
};

/** The throwing form, for code that builds models from literals. */
export const transformerConfig = (u: TransformerConfigInput | TransformerConfig): TransformerConfig => {
  const r = decodeTransformerConfig(u);
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

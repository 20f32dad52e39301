import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { ConfigError, problemsOf, showValue } from '../config/errors.ts';

/** The bounds a number field accepts, kept on its codec so laws can generate values from the schema. */
export interface NumberRange { readonly lo: number; readonly hi: number; readonly integer: boolean }

/** A number codec with a readable name ("an integer in [1, 8192]"); encoding is the identity. */
export const numberWhere = (name: string, ok: (n: number) => boolean, range?: NumberRange): t.Type<number, number, unknown> & { readonly range?: NumberRange } =>
  Object.assign(new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && ok(u),
    (u, c) => (typeof u === 'number' && ok(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  ), range ? { range } : {});

export const intIn = (lo: number, hi: number) =>
  numberWhere(`an integer in [${lo}, ${hi}]`, (n) => Number.isInteger(n) && n >= lo && n <= hi, { lo, hi, integer: true });

export const numberIn = (lo: number, hi: number) =>
  numberWhere(`a number in [${lo}, ${hi}]`, (n) => Number.isFinite(n) && n >= lo && n <= hi, { lo, hi, integer: false });

type Decoded<P extends t.Props> = { [K in keyof P]: t.TypeOf<P[K]> };

/** A default for a missing field: a value, or a function of the fields that did decode. */
export type Default<P extends t.Props, K extends keyof P> = t.TypeOf<P[K]> | ((v: Partial<Decoded<P>>) => t.TypeOf<P[K]> | undefined);

/** A constraint across fields; it runs only when all of its fields decoded, and returns a problem or null. */
export interface Check<P extends t.Props> {
  readonly fields: readonly (keyof P & string)[];
  readonly problem: (v: Decoded<P>) => string | null;
}

/**
/** A config codec knows its keys, so a strict form of it can name the known ones in a refusal. */
export interface ConfigCodec<A> extends t.Type<A, A, unknown> {
  readonly keys: readonly string[];
  /** Each field's codec, and the fields some cross-field check reads (the others vary freely within their codec). */
  readonly fields: Readonly<Record<string, t.Mixed>>;
  readonly checked: readonly string[];
}

export interface CodecOptions {
  /** Refuse keys that are not fields (typos), listing the known ones; default false (ignored, so a larger config can be passed). */
  readonly strict?: boolean;
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * A record codec that reports every problem at once: each field is decoded on its own (so one
 * bad field does not hide another), defaults fill missing fields, and the cross-field checks
 * whose fields all decoded run too. Unknown keys are ignored, or refused with `strict`.
 */
export const configCodec = <P extends t.Props>(
  name: string,
  props: P,
  defaults: { readonly [K in keyof P]?: Default<P, K> },
  checks: readonly Check<P>[] = [],
  options: CodecOptions = {},
): ConfigCodec<Decoded<P>> => {
  const keys = Object.keys(props) as (keyof P & string)[];
  const validate = (u: unknown, c: t.Context): t.Validation<Decoded<P>> => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) {
      return t.failure(u, c, `expected a ${name} record with fields ${keys.join(', ')}, got ${showValue(u)}`);
    }
    const input = u as Record<string, unknown>;
    const out: Partial<Decoded<P>> = {};
    const errors: t.ValidationError[] = [];
    // Plain defaults first, then the ones that depend on other decoded fields.
    const order = [...keys].sort((a, b) => Number(typeof defaults[a] === 'function') - Number(typeof defaults[b] === 'function'));
    for (const k of order) {
      const codec = props[k];
      let raw = input[k];
      if (raw === undefined && defaults[k] !== undefined) {
        const d = defaults[k];
        raw = typeof d === 'function' ? (d as (v: Partial<Decoded<P>>) => unknown)(out) : d;
        if (raw === undefined) continue; // its dependency failed and is already reported
      }
      const r = codec.validate(raw, [...c, { key: k, type: codec, actual: raw }]);
      if (E.isLeft(r)) errors.push(...r.left);
      else out[k] = r.right;
    }
    for (const ch of checks) {
      if (!ch.fields.every((f) => f in out)) continue;
      const p = ch.problem(out as Decoded<P>);
      if (p !== null) errors.push({ value: u, context: [...c, { key: ch.fields.join('/'), type: t.unknown, actual: u }], message: p });
    }
    return errors.length > 0 ? t.failures(errors) : t.success(out as Decoded<P>);
  };
  const codec = Object.assign(new t.Type<Decoded<P>, Decoded<P>, unknown>(
    name,
    (u): u is Decoded<P> => E.isRight(validate(u, [])),
    validate,
    (a) => ({ ...a }),
  ), { keys, fields: props as Readonly<Record<string, t.Mixed>>, checked: [...new Set(checks.flatMap((ch) => ch.fields))] });
  return options.strict ? strict(codec) : codec;
};

/**
 * The strict form of a config codec: besides its own problems, every key that is not one of its
 * fields is a problem ("<key>: unknown field (known: a, b, c)"), so a typo is never silently ignored.
 */
export const strict = <A>(codec: ConfigCodec<A>, what = 'field'): ConfigCodec<A> => {
  const validate = (u: unknown, c: t.Context): t.Validation<A> => {
    const r = codec.validate(u, c);
    const unknown = isRecord(u) ? Object.keys(u).filter((k) => !codec.keys.includes(k)) : [];
    if (unknown.length === 0) return r;
    const known = `known: ${codec.keys.join(', ')}`;
    const extra = unknown.map((k): t.ValidationError => ({
      value: u, context: [...c, { key: k, type: t.unknown, actual: (u as Record<string, unknown>)[k] }], message: `unknown ${what} (${known})`,
    }));
    return t.failures([...(E.isLeft(r) ? r.left : []), ...extra]);
  };
  const { keys, fields, checked } = codec;
  return Object.assign(new t.Type<A, A, unknown>(codec.name, (u): u is A => E.isRight(validate(u, [])), validate, codec.encode), { keys, fields, checked });
};

/**
 * The sections of a config file ({"tokenizer": {...}, "train": {...}}): an unknown section (a
 * typo such as "tokeniser") is refused with the known ones listed, a section that is not an
 * object is refused, and a missing one is {} (all its defaults). Each section's own codec
 * decodes it afterwards.
 */
export const decodeSections = <K extends string>(
  what: string, u: unknown, known: readonly K[],
): E.Either<ConfigError, { readonly [S in K]: Readonly<Record<string, unknown>> }> => {
  if (!isRecord(u)) return E.left(new ConfigError([`expected an object with sections ${known.join(', ')}, got ${showValue(u)}`], what));
  const problems = Object.keys(u).filter((k) => !(known as readonly string[]).includes(k))
    .map((k) => `${k}: unknown section (known: ${known.join(', ')})`);
  const out: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const k of known) {
    const v = Object.hasOwn(u, k) ? u[k] : {};
    if (isRecord(v)) out[k] = v;
    else problems.push(`${k}: expected an object of ${k} fields, got ${showValue(v)}`);
  }
  return problems.length > 0 ? E.left(new ConfigError(problems, what)) : E.right(out as never);
};

/** Decodes with a config codec; every problem is listed in the ConfigError. */
export const decodeWith = <A>(codec: t.Type<A, unknown, unknown>, input: unknown): E.Either<ConfigError, A> => {
  const r = codec.decode(input);
  return E.isLeft(r) ? E.left(new ConfigError(problemsOf(r.left), codec.name)) : E.right(r.right);
};

/** The throwing form, for plain-data conveniences: returns the value or throws the ConfigError. */
export const orThrow = <A>(r: E.Either<ConfigError, A>): A => {
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

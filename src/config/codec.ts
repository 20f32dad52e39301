import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { ConfigError, problemsOf, showValue } from '../config/errors.ts';

/** A number codec with a readable name ("an integer in [1, 8192]"); encoding is the identity. */
export const numberWhere = (name: string, ok: (n: number) => boolean): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && ok(u),
    (u, c) => (typeof u === 'number' && ok(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  );

export const intIn = (lo: number, hi: number): t.Type<number, number, unknown> =>
  numberWhere(`an integer in [${lo}, ${hi}]`, (n) => Number.isInteger(n) && n >= lo && n <= hi);

export const numberIn = (lo: number, hi: number): t.Type<number, number, unknown> =>
  numberWhere(`a number in [${lo}, ${hi}]`, (n) => Number.isFinite(n) && n >= lo && n <= hi);

type Decoded<P extends t.Props> = { [K in keyof P]: t.TypeOf<P[K]> };

/** A default for a missing field: a value, or a function of the fields that did decode. */
export type Default<P extends t.Props, K extends keyof P> = t.TypeOf<P[K]> | ((v: Partial<Decoded<P>>) => t.TypeOf<P[K]> | undefined);

/** A constraint across fields; it runs only when all of its fields decoded, and returns a problem or null. */
export interface Check<P extends t.Props> {
  readonly fields: readonly (keyof P & string)[];
  readonly problem: (v: Decoded<P>) => string | null;
}

/**
 * A record codec that reports every problem at once: each field is decoded on its own (so one
 * bad field does not hide another), defaults fill missing fields, and the cross-field checks
 * whose fields all decoded run too. Unknown keys are ignored, so a larger config can be passed.
 */
export const configCodec = <P extends t.Props>(
  name: string,
  props: P,
  defaults: { readonly [K in keyof P]?: Default<P, K> },
  checks: readonly Check<P>[] = [],
): t.Type<Decoded<P>, Decoded<P>, unknown> => {
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
  return new t.Type<Decoded<P>, Decoded<P>, unknown>(
    name,
    (u): u is Decoded<P> => E.isRight(validate(u, [])),
    validate,
    (a) => ({ ...a }),
  );
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

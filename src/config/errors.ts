import type * as t from 'io-ts';

/**
 * An invalid configuration, with every problem found (not just the first), each one line that
 * names the field, what was expected and what was given. Decoders return it as a value
 * (`Either<ConfigError, A>`); only plain-data conveniences and the CLI edge throw it.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], what = 'configuration') {
    const list = problems.length > 0 ? problems : ['unknown problem'];
    super(`invalid ${what} (${list.length} problem${list.length === 1 ? '' : 's'}):\n${list.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...list]);
  }
}

export const isConfigError = (e: unknown): e is ConfigError => e instanceof ConfigError;

/** Renders a value for a message: strings quoted, everything short. */
export const showValue = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v;
};

/** The dotted path of an io-ts context, skipping the root and unnamed (union/intersection) steps. */
const pathOf = (ctx: t.Context): string => ctx.slice(1).map((c) => c.key).filter((k) => k !== '').join('.');

/**
 * One readable line per io-ts error: a custom message when the decoder gave one, otherwise
 * "path: expected <type name>, got <value>". Duplicates (unions report per member) are dropped.
 */
export const problemsOf = (errors: t.Errors): string[] => {
  const lines = errors.map((e) => {
    const path = pathOf(e.context);
    const last = e.context[e.context.length - 1];
    const body = e.message ?? `expected ${last?.type.name ?? 'a valid value'}, got ${showValue(e.value)}`;
    return path ? `${path}: ${body}` : body;
  });
  return [...new Set(lines)];
};

import * as E from 'fp-ts/lib/Either.js';

export type FlagKind = 'string' | 'number' | 'boolean';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

type FlagValue<K extends FlagKind> = K extends 'string' ? string : K extends 'number' ? number : boolean;

/** Parsed flags: only the ones given are present; commands apply their own defaults. */
export type Flags<S extends FlagSpec> = { readonly [N in keyof S]?: FlagValue<S[N]> };

/**
 * Parses `--name value`, `--name=value` and bare `--name` (booleans; `--name=false` too).
 * Reports every problem at once: unknown flags, missing values, non-numbers, repeats, stray arguments.
 */
export function parseFlags<const S extends FlagSpec>(argv: readonly string[], spec: S): E.Either<string[], Flags<S>> {
  const problems: string[] = [];
  const values: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      problems.push(`unexpected argument '${arg}'`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) {
      problems.push(`unknown flag --${name}${known(spec)}`);
      continue;
    }
    let raw: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    // A value may start with '-' (negative numbers) but not '--' (the next flag).
    if (raw === undefined && kind !== 'boolean' && i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) raw = argv[++i];
    const parsed = parseValue(name, kind, raw);
    if (E.isLeft(parsed)) problems.push(parsed.left);
    else if (Object.hasOwn(values, name)) problems.push(`flag --${name} given more than once`);
    else values[name] = parsed.right;
  }
  return problems.length ? E.left(problems) : E.right(values as Flags<S>);
}

function parseValue(name: string, kind: FlagKind, raw: string | undefined): E.Either<string, string | number | boolean> {
  if (kind === 'boolean') {
    if (raw === undefined || raw === 'true') return E.right(true);
    if (raw === 'false') return E.right(false);
    return E.left(`flag --${name} takes true or false, got '${raw}'`);
  }
  if (raw === undefined) return E.left(`flag --${name} needs a ${kind} value`);
  if (kind === 'string') return E.right(raw);
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? E.right(n) : E.left(`flag --${name} needs a number, got '${raw}'`);
}

function known(spec: FlagSpec): string {
  const names = Object.keys(spec);
  return names.length ? ` (known: ${names.map((n) => `--${n}`).join(', ')})` : ' (this command takes no flags)';
}

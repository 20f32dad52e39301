import * as E from 'fp-ts/lib/Either.js';
import type { CliIO, Command } from '../command.ts';
import { trySchedule, type Schedule } from '../../detailflow/api.ts';
import { decodeDetailFlowConfig, type DetailFlowConfig } from '../../detailflow/config.ts';
import { loadTokenizerConfig, shippedModel, shippedName } from '../models.ts';

/** Flag name -> config field. Values stay strings unless they read as numbers, so the decoder reports bad ones. */
const FLAGS: Readonly<Record<string, keyof DetailFlowConfig>> = {
  size: 'size', tokens: 'tokens', group: 'group', causal: 'causal', alpha: 'alpha', patch: 'patch', 'degrade-prob': 'degradeProb',
};
const FIELD_TO_FLAG = Object.fromEntries(Object.entries(FLAGS).map(([f, k]) => [k, `--${f}`])) as Record<string, string>;

/** The flags that describe a configuration of one's own (the others only adjust one). */
const SHAPE_FLAGS = ['size', 'tokens', 'group'] as const;

const USAGE = [
  'Usage: detailflow schedule [--tokenizer CKPT] [--causal C] [--alpha a] [--patch P] [--degrade-prob p] [--json]',
  '       detailflow schedule --size H --tokens N --group g [--causal C] [--alpha a] [--patch P] [--degrade-prob p] [--json]',
  '',
  'Prints, for n = 1..N, the content resolution R(n), the decoder side dec(n) and the probability that a',
  'training step uses prefix n, then the sampler\'s forward passes (token ranges [start, end)).',
  `With no flags: the configuration of the shipped tokenizer (${shippedName('tokenizer')}: H = 32, N = 32, g = C = 4,`,
  'alpha = 1.5, P = 4, p = 0.2), or of the tokenizer checkpoint --tokenizer CKPT; other flags change single fields of it.',
  'With --size, --tokens and --group: a configuration of your own (all three needed); the rest default to the',
  'reference\'s values: C = g, alpha = 1.5, P = 16, p = 0.2.',
  '--json prints {rows:[{n, resolution, decoderSize, trainProb}], passes:[{start, end}]}.',
].join('\n');

interface Parsed { readonly raw: Record<string, unknown>; readonly json: boolean; readonly tokenizer: string | undefined; readonly problems: string[] }

const numeric = (s: string): unknown => (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s.trim()) ? Number(s) : s);

/** `--flag value`, `--flag=value` and `--json`; every problem is collected. */
const parse = (argv: readonly string[]): Parsed => {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  let json = false;
  let tokenizer: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) { problems.push(`unexpected argument '${arg}'`); continue; }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (name === 'json') {
      if (eq >= 0) problems.push('--json takes no value');
      json = true;
      continue;
    }
    const field = Object.hasOwn(FLAGS, name) ? FLAGS[name] : undefined;
    if (field === undefined && name !== 'tokenizer') { problems.push(`unknown flag --${name} (known: --tokenizer, ${Object.keys(FLAGS).map((f) => `--${f}`).join(', ')}, --json)`); continue; }
    const value = eq >= 0 ? arg.slice(eq + 1) : i + 1 < argv.length && !argv[i + 1].startsWith('--') ? argv[++i] : undefined;
    if (value === undefined) { problems.push(`--${name} needs a value`); continue; }
    if (field === undefined) {
      if (tokenizer !== undefined) problems.push('--tokenizer given more than once');
      tokenizer = value;
      continue;
    }
    if (Object.hasOwn(raw, field)) { problems.push(`--${name} given more than once`); continue; }
    raw[field] = numeric(value);
  }
  return { raw, json, tokenizer, problems };
};

/** Config problems name fields; on the command line they should name flags. */
const asFlags = (problem: string): string =>
  problem.replace(/^([\w/]+):/, (_m, path: string) => `${path.split('/').map((k) => FIELD_TO_FLAG[k] ?? k).join('/')}:`);

const fmtProb = (p: number): string => (p === 0 ? '0' : Number(p.toPrecision(6)).toString());

const table = (c: DetailFlowConfig, s: Schedule, source: string | undefined): string => {
  const head = `DetailFlow schedule${source ? ` of ${source}` : ''}: size ${c.size}, tokens ${c.tokens}, group ${c.group}, causal ${c.causal}, alpha ${c.alpha}, patch ${c.patch}, degradeProb ${c.degradeProb}`;
  const cols = ['n', 'R(n)', 'dec(n)', 'trainProb'];
  const body = s.rows.map((r) => [String(r.n), String(r.resolution), String(r.decoderSize), fmtProb(r.trainProb)]);
  const widths = cols.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
  const line = (cells: readonly string[]) => cells.map((x, j) => x.padStart(widths[j])).join('  ');
  const passes = s.passes.map((p, i) => `${String(i + 1).padStart(String(s.passes.length).length)}  tokens [${p.start}, ${p.end})`);
  return [head, '', line(cols), ...body.map(line), '', `sampler passes: ${s.passes.length}`, ...passes].join('\n');
};

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'print R(n), dec(n), training probabilities and the sampler pass plan',
  usage: USAGE,
  run: async (argv: readonly string[], io: CliIO): Promise<number> => {
    const p = parse(argv);
    const own = SHAPE_FLAGS.some((f) => Object.hasOwn(p.raw, FLAGS[f]!));
    if (own && p.tokenizer !== undefined) p.problems.push('--tokenizer reads the configuration from a checkpoint; --size, --tokens and --group describe one of your own: give one or the other');
    // with no shape flag, the checkpoint's configuration is the base and the flags given change single fields of it
    let source: string | undefined;
    let raw = p.raw;
    if (!own && p.problems.length === 0) {
      const file = p.tokenizer ?? shippedModel('tokenizer');
      source = p.tokenizer ?? `the shipped tokenizer (${shippedName('tokenizer')})`;
      const config = await loadTokenizerConfig(file);
      if (E.isLeft(config)) { io.err(config.left.map((x) => `detailflow schedule: ${x}`).join('\n')); return 2; }
      const c = config.right;
      raw = { size: c.size, tokens: c.tokens, group: c.group, causal: c.causal, alpha: c.alpha, patch: c.patch, degradeProb: c.degradeProb, ...p.raw };
    }
    const decoded = decodeDetailFlowConfig(raw);
    const problems = [...p.problems, ...(E.isLeft(decoded) ? decoded.left.problems.map(asFlags) : [])];
    if (problems.length > 0 || E.isLeft(decoded)) {
      io.err(`detailflow schedule: invalid flags (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((x) => `  - ${x}`).join('\n')}\n\n${USAGE.split('\n').slice(0, 2).join('\n')}`);
      return 2;
    }
    const s = trySchedule(decoded.right);
    if (E.isLeft(s)) { io.err(`detailflow schedule: ${s.left.message}`); return 2; }
    io.out(p.json ? JSON.stringify(s.right) : table(decoded.right, s.right, source));
    return 0;
  },
};

import * as E from 'fp-ts/lib/Either.js';
import { parseFlags } from '../args.ts';
import type { Command } from '../command.ts';
import { backendFlag, chooseBackend, flagProblems } from '../common.ts';
import { isOnnxBackend, type BackendName } from '../../compile/backend.ts';
import { keyFromSeed, foldIn } from '../../random/key.ts';
import { orThrow } from '../../config/codec.ts';
import { decodeArConfig, type ArConfig } from '../../detailflow/ar/config.ts';
import { arModel } from '../../detailflow/ar/model.ts';
import { arSampler, defaultCacheLength, type CacheLength } from '../../detailflow/sample/sampler.ts';

export type SampleVariant = 'a' | 'b' | 'c' | 'd';
const sampleVariants: Readonly<Record<SampleVariant, { readonly grouped: boolean; readonly cache: boolean; readonly label: string }>> = {
  a: { grouped: true, cache: true, label: 'grouped, KV cache' },
  b: { grouped: true, cache: false, label: 'grouped, no cache' },
  c: { grouped: false, cache: true, label: 'token by token, KV cache' },
  d: { grouped: false, cache: false, label: 'token by token, no cache' },
};

export interface SampleBenchOptions {
  readonly backend: BackendName;
  /** Images per sampler call (the CFG batch is twice this). Default 16. */
  readonly batch?: number;
  /** Timed calls per variant (the median is reported). Default 1. */
  readonly repeats?: number;
  /** Untimed calls first (they compile the pass plans). Default 1. */
  readonly warmup?: number;
  readonly variants?: readonly SampleVariant[];
  /** The model: the paper's shape N = 128, g = C = 8, width 256, 8 layers, 8 heads, V 1024 by default. */
  readonly model?: Partial<ArConfig>;
  /** Guidance scale (CFG on: the batch is doubled). Default 1.45, the reference's for N = 128. */
  readonly cfg?: number;
  /** The KV cache's layout for (a) and (c); default: the sampler's (defaultCacheLength). */
  readonly cacheLength?: CacheLength;
  /** Called as each variant finishes (the slow ones take minutes on a CPU). */
  readonly onVariant?: (v: SampleVariant, f: VariantFigures) => void;
}

export interface VariantFigures {
  readonly passes: number;
  readonly secondsPerBatch: number;
  readonly imagesPerSecond: number;
  readonly firstCallSeconds: number;
  /** On an ONNX backend: one ONNX model and session per pass shape, built on the first call. */
  readonly sessions?: SessionFigures;
}

export interface SessionFigures {
  readonly count: number;
  readonly totalMs: number;
  /** Per pass shape, in the order first run: build time (model and session) and ONNX node count. */
  readonly perGraph: readonly { readonly ms: number; readonly nodes: number }[];
}

export interface SampleBenchResult {
  readonly backend: BackendName;
  readonly batch: number;
  readonly repeats: number;
  readonly cfg: number;
  /** As asked; absent: each sampler's default. */
  readonly cacheLength?: CacheLength;
  readonly model: ArConfig;
  readonly variants: Partial<Record<SampleVariant, VariantFigures>>;
  /** a/c and a/d (images/s ratios) when both sides ran; targets 4 and 8. */
  readonly ratios: { readonly aOverC?: number; readonly aOverD?: number };
}

const sampleBenchDefaults = { tokens: 128, group: 8, causal: 8, width: 256, depth: 8, heads: 8, vocab: 1024, classes: 10 } as const;

const median = (xs: readonly number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/**
 * Times the four samplers on randomly initialised GPTs of one shape: (a, b) a model with the
 * given g, (c, d) the same model with g = 1 (plain next-token). The head gets std 0.02 instead
 * of the reference's zeros so the samples are not uniform noise (timing does not depend on it).
 */
export const runSampleBench = async (o: SampleBenchOptions): Promise<SampleBenchResult> => {
  const batch = o.batch ?? 16;
  const repeats = o.repeats ?? 1;
  const warmup = o.warmup ?? 1;
  const cfg = o.cfg ?? 1.45;
  const base = { ...sampleBenchDefaults, headInitStd: 0.02, ...o.model };
  const grouped = orThrow(decodeArConfig(base));
  const plain = orThrow(decodeArConfig({ ...base, group: 1, causal: 1 }));
  const labels = Array.from({ length: batch }, (_, i) => i % grouped.classes);
  const figures: Partial<Record<SampleVariant, VariantFigures>> = {};
  for (const v of o.variants ?? (['a', 'b', 'c', 'd'] as const)) {
    const spec = sampleVariants[v];
    const c = spec.grouped ? grouped : plain;
    const sampler = arSampler(c, { backend: o.backend }, o.cacheLength);
    const params = await sampler.upload(arModel(c).init(keyFromSeed(2025)));
    const call = (i: number) => (spec.grouped ? sampler.grouped : sampler.tokenByToken)(params, labels, foldIn(keyFromSeed(1), i), { cfg, cache: spec.cache });
    const times: number[] = [];
    let passes = 0;
    for (let i = 0; i < warmup + repeats; i++) {
      const t0 = performance.now();
      passes = (await call(i)).passes;
      times.push((performance.now() - t0) / 1000);
    }
    const timed = times.slice(warmup);
    const s = median(timed.length ? timed : times);
    const stats = isOnnxBackend(o.backend) ? await sampler.sessionStats() : [];
    const sessions = stats.length ? { sessions: { count: stats.length, totalMs: stats.reduce((a, x) => a + x.ms, 0), perGraph: stats } } : {};
    figures[v] = { passes, secondsPerBatch: s, imagesPerSecond: batch / s, firstCallSeconds: times[0], ...sessions };
    o.onVariant?.(v, figures[v]);
  }
  const ips = (v: SampleVariant) => figures[v]?.imagesPerSecond;
  const ratio = (x?: number, y?: number) => (x !== undefined && y !== undefined ? x / y : undefined);
  const aOverC = ratio(ips('a'), ips('c'));
  const aOverD = ratio(ips('a'), ips('d'));
  return {
    backend: o.backend, batch, repeats, cfg, ...(o.cacheLength ? { cacheLength: o.cacheLength } : {}), model: grouped, variants: figures,
    ratios: { ...(aOverC !== undefined ? { aOverC } : {}), ...(aOverD !== undefined ? { aOverD } : {}) },
  };
};

const formatSessions = (x: SessionFigures): string => {
  const ms = x.perGraph.map((g) => g.ms);
  const nodes = x.perGraph.map((g) => g.nodes);
  return `      ${x.count} ONNX sessions, ${Math.min(...nodes)}-${Math.max(...nodes)} nodes each, built in ${(x.totalMs / 1000).toFixed(2)} s `
    + `(${Math.min(...ms).toFixed(0)}-${Math.max(...ms).toFixed(0)} ms each, ${(x.totalMs / nodes.reduce((a, b) => a + b, 0)).toFixed(2)} ms per node)`;
};

const formatVariant = (v: SampleVariant, f: VariantFigures): string =>
  `  (${v}) ${sampleVariants[v].label.padEnd(25)} ${String(f.passes).padStart(4)} passes  ${f.imagesPerSecond.toFixed(3).padStart(9)} img/s  (${f.secondsPerBatch.toFixed(2)} s per batch; first call ${f.firstCallSeconds.toFixed(2)} s)`
  + (f.sessions ? `\n${formatSessions(f.sessions)}` : '');

export const formatSampleBench = (r: SampleBenchResult): string => {
  const m = r.model;
  const rows = (Object.keys(sampleVariants) as SampleVariant[]).flatMap((v) => {
    const f = r.variants[v];
    return f ? [formatVariant(v, f)] : [];
  });
  const ratio = (name: string, x: number | undefined, target: number) => (x === undefined ? [] : [`${name} = ${x.toFixed(2)} (target >= ${target}${x >= target ? ', met' : ', NOT met'})`]);
  return [
    `bench sample on ${r.backend}: N ${m.tokens}, g ${m.group} (C ${m.causal}); random GPT width ${m.width} x ${m.depth} layers, ${m.heads} heads, MLP ${m.mlpHidden}, V ${m.vocab}`,
    `  batch ${r.batch} (x2 with CFG ${r.cfg}), median of ${r.repeats} timed call(s) after the warm-up; (c, d) use the same GPT with g = 1; KV cache ${r.cacheLength ?? `${defaultCacheLength(r.backend, 'grouped')} for (a), ${defaultCacheLength(r.backend, 'token-by-token')} for (c)`}`,
    ...rows,
    `  ${[...ratio('a/c', r.ratios.aOverC, 4), ...ratio('a/d', r.ratios.aOverD, 8)].join('; ')}`,
  ].join('\n');
};

const USAGE = [
  'Usage: detailflow bench sample [--backend B] [--json] [--batch 16] [--repeats 1] [--warmup 1] [--variants a,b,c,d]',
  '                               [--cache-length fixed|growing] [--tokens 128] [--group 8] [--width 256] [--depth 8] [--heads 8] [--vocab 1024] [--cfg 1.45]',
  '',
  'Images/s of the AR samplers on a randomly initialised GPT at the paper\'s shape, CFG on:',
  '(a) grouped with KV cache, (b) grouped without, (c) token by token with KV cache, (d) without;',
  'and the ratios a/c (target >= 4) and a/d (target >= 8). The warm-up call compiles the pass plans.',
  '--cache-length: the KV cache grows pass by pass (a graph per pass) or has N rows from the start',
  '(a graph per pass shape); default fixed for (c) on the ONNX backends, growing otherwise.',
].join('\n');

const FLAGS = {
  backend: 'string', json: 'boolean', batch: 'number', repeats: 'number', warmup: 'number', variants: 'string', 'cache-length': 'string',
  tokens: 'number', group: 'number', width: 'number', depth: 'number', heads: 'number', vocab: 'number', cfg: 'number',
} as const;

export const benchSampleCommand: Command = {
  name: 'bench-sample',
  summary: 'images/s of the grouped and token-by-token AR samplers, with and without a KV cache',
  usage: USAGE,
  run: async (argv, io) => {
    const parsed = parseFlags(argv, FLAGS);
    if (E.isLeft(parsed)) return flagProblems(io, 'bench sample', parsed.left, USAGE);
    const f = parsed.right;
    const problems: string[] = [];
    const int = (name: string, v: number | undefined, min: number) => {
      if (v !== undefined && !(Number.isInteger(v) && v >= min)) problems.push(`--${name} must be an integer >= ${min}, got ${v}`);
    };
    int('batch', f.batch, 1); int('repeats', f.repeats, 1); int('warmup', f.warmup, 0);
    const variants = (f.variants ?? 'a,b,c,d').split(',').map((s) => s.trim());
    const bad = variants.filter((v) => !(v in sampleVariants));
    if (bad.length || variants.length === 0) problems.push(`--variants takes a comma list of a, b, c, d, got '${f.variants}'`);
    const cacheLength = f['cache-length'];
    if (cacheLength !== undefined && cacheLength !== 'fixed' && cacheLength !== 'growing') problems.push(`--cache-length takes fixed or growing, got '${cacheLength}'`);
    if (f.cfg !== undefined && !(f.cfg >= 1)) problems.push(`--cfg must be >= 1, got ${f.cfg}`);
    const model = Object.fromEntries((['tokens', 'group', 'width', 'depth', 'heads', 'vocab'] as const).filter((k) => f[k] !== undefined).map((k) => [k, f[k]]));
    const group = f.group ?? sampleBenchDefaults.group;
    const decoded = decodeArConfig({ ...sampleBenchDefaults, ...model, causal: group });
    if (E.isLeft(decoded)) problems.push(...decoded.left.problems);
    problems.push(...backendFlag(f.backend));
    if (problems.length) return flagProblems(io, 'bench sample', problems, USAGE);
    const backend = await chooseBackend(f.backend);
    const result = await runSampleBench({
      backend, batch: f.batch, repeats: f.repeats, warmup: f.warmup, variants: variants as SampleVariant[], cfg: f.cfg, ...(cacheLength ? { cacheLength: cacheLength as CacheLength } : {}), model: { ...model, causal: group },
      onVariant: (v, fig) => io.err(`bench sample: done${formatVariant(v, fig)}`),
    });
    io.out(f.json ? JSON.stringify(result) : formatSampleBench(result));
    return 0;
  },
};

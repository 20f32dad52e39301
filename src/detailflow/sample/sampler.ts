import { compile, release, type CompileOptions, type Compiled } from '../../compile/compile.ts';
import { isDeviceArray, type DeviceArray } from '../../compile/device-array.ts';
import { hostArray, isHostArray, type HostArray } from '../../ir/host-array.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { flatten, type Tree } from '../../tree/tree.ts';
import { orThrow } from '../../config/codec.ts';
import { passInputLength } from '../pass-plan.ts';
import type { LayerCache } from '../ar/block.ts';
import type { ArConfig } from '../ar/config.ts';
import { tokenSpan } from '../ar/layout.ts';
import { arModel, type ArParams } from '../ar/model.ts';
import type { Params } from '../../nn/module.ts';
import { checkSampleRequest, type SampleOptions, type SampleRequest } from './options.ts';
import { passGraph, type PassInputs, type PassOutputs, type PassSpec } from './pass-graph.ts';

/** A parameter tree with other leaves (device arrays after `upload`). */
export type WithLeaves<T, L> = T extends HostArray ? L : { readonly [K in keyof T]: WithLeaves<T[K], L> };
export type DeviceParams = WithLeaves<ArParams, DeviceArray>;

/** Parameters as host arrays (uploaded once per call) or device arrays (used as they are). */
export type ParamsInput = ArParams | DeviceParams;

/** What a pass has produced: the first `end` tokens of every row (int32 [B, end]). */
export interface PassReport {
  readonly index: number;
  readonly end: number;
  readonly tokens: HostArray;
}

/**
 * Optional hooks of one sampling call. With `onPass` every pass is read back before the next one
 * starts (to show it), so the passes no longer queue up on the device.
 */
export interface SampleHooks {
  readonly onPass?: (pass: PassReport) => void | Promise<void>;
}

export interface SampleResult {
  /** int32 [B, N]: N indices in [0, V) per class label. */
  readonly tokens: HostArray;
  /** Forward passes run: 1 + (C-1) + (N/g - C/g) for the grouped sampler, N token by token. */
  readonly passes: number;
  /** The passes as run: positions computed [from, to) and the tokens sampled. */
  readonly log: readonly Pick<PassSpec, 'from' | 'to' | 'sample'>[];
}

/**
 * Samplers for one model configuration: pure functions of (params, class labels, key, options);
 * the object only memoises compiled pass plans (one per pass shape) between calls.
 */
export interface ArSampler {
  readonly config: ArConfig;
  /** The grouped sampler (generate_group_par's pass plan). Throws ConfigError before any work. */
  grouped(params: ParamsInput, labels: ArrayLike<number>, key: Key, opts?: SampleOptions, hooks?: SampleHooks): Promise<SampleResult>;
  /** Next-token sampling for a model trained with g = 1 (the plain AR baseline). */
  tokenByToken(params: ParamsInput, labels: ArrayLike<number>, key: Key, opts?: SampleOptions, hooks?: SampleHooks): Promise<SampleResult>;
  /** Puts host parameters on the device once, for repeated calls (the caller releases them). */
  upload(params: ParamsInput): Promise<DeviceParams>;
  readonly planCount: number;
  dispose(): void;
}

type DevCache = readonly LayerCache<DeviceArray>[];
type Outputs = { tokens: DeviceArray; cache?: DevCache };

const isLeaf = (x: unknown): x is HostArray | DeviceArray => isHostArray(x) || isDeviceArray(x);

export const arSampler = (config: ArConfig, opts: CompileOptions = {}): ArSampler => {
  const model = arModel(config);
  const plans = new Map<string, Compiled<PassOutputs>>();
  const identity: Compiled<unknown> = compile((t: unknown) => t, { ...opts, name: 'upload' });

  const planFor = (s: PassSpec): Compiled<PassOutputs> => {
    const id = JSON.stringify(s);
    let p = plans.get(id);
    if (!p) {
      p = compile((params: Params<ArParams>, x: PassInputs) => passGraph(model, s)(params, x), { ...opts, name: 'arPass' });
      plans.set(id, p);
    }
    return p;
  };

  const upload = async (params: ParamsInput): Promise<DeviceParams> => (await identity.run(params)) as DeviceParams;

  const run = async (params: ParamsInput, req: SampleRequest, key: Key, hooks: SampleHooks): Promise<SampleResult> => {
    const B = req.labels.length;
    const owned = flatten(params as Tree<HostArray | DeviceArray>, isLeaf, 'host or device array').leaves.some(isHostArray);
    const device = owned ? await upload(params) : params;
    const nullRows = new Int32Array(B).fill(config.classes);
    const classes = hostArray(req.doubled ? Int32Array.from([...req.labels, ...nullRows]) : req.labels, [req.doubled ? 2 * B : B]);
    const outs: DeviceArray[] = [];
    const read: HostArray[] = [];
    // outputs are read back lazily: with the cache nothing is read until the end, so the
    // passes queue up on the device without a round trip each
    const readUpTo = async (n: number): Promise<HostArray[]> => {
      for (let j = read.length; j < n; j++) read.push(await outs[j].host());
      return read;
    };
    const log: Pick<PassSpec, 'from' | 'to' | 'sample'>[] = [];
    let cache: DevCache | undefined;
    try {
      for (const [i, span] of req.spans.entries()) {
        const from = req.cache && cache ? cache[0].values.shape[2] : 0;
        const to = passInputLength(span, config);
        const held = tokenSpan(from, to, model.layout);
        const spec: PassSpec = {
          from, to, sample: span, doubled: req.doubled, keepCache: req.cache && i < req.spans.length - 1,
          ...(req.topK !== undefined ? { topK: req.topK } : {}), ...(req.topP !== undefined ? { topP: req.topP } : {}),
        };
        // with the cache, a pass holds exactly the tokens the previous pass sampled: chain them on the device
        const chained = req.cache && i > 0 && held.start === req.spans[i - 1].start && held.end === req.spans[i - 1].end;
        const tokens = held.end === held.start ? undefined : chained ? outs[i - 1]
          : hostArray(gatherHost(await readUpTo(i), req.spans, held, B), [B, held.end - held.start]);
        const inputs = {
          ...(from === 0 ? { classes } : {}), ...(tokens ? { tokens } : {}), ...(cache ? { cache } : {}),
          key: foldIn(key, i), scale: req.scales[i], temperature: req.temperature,
        };
        const out = await planFor(spec).run(device, inputs) as unknown as Outputs;
        if (cache) release(cache);
        cache = out.cache;
        outs.push(out.tokens);
        log.push({ from, to, sample: span });
        if (hooks.onPass) {
          const prefix = { start: 0, end: span.end };
          await hooks.onPass({ index: i, end: span.end, tokens: hostArray(gatherHost(await readUpTo(outs.length), req.spans, prefix, B), [B, span.end]) });
        }
      }
      const all = await readUpTo(outs.length);
      return { tokens: hostArray(gatherHost(all, req.spans, { start: 0, end: config.tokens }, B), [B, config.tokens]), passes: log.length, log };
    } finally {
      if (cache) release(cache);
      release(outs);
      if (owned) release(device);
    }
  };

  const sample = (mode: 'grouped' | 'token-by-token') =>
    async (params: ParamsInput, labels: ArrayLike<number>, key: Key, o: SampleOptions = {}, hooks: SampleHooks = {}): Promise<SampleResult> =>
      run(params, orThrow(checkSampleRequest(config, labels, o, mode)), key, hooks);

  return {
    config,
    grouped: sample('grouped'),
    tokenByToken: sample('token-by-token'),
    upload,
    get planCount() { return [...plans.values()].reduce((n, p) => n + p.planCount, 0); },
    dispose: () => { plans.forEach((p) => p.dispose()); plans.clear(); identity.dispose(); },
  };
};

/** Tokens [start, end) of every row, from the per-pass outputs [B, span length] read so far. */
const gatherHost = (outs: readonly HostArray[], spans: readonly { start: number; end: number }[], want: { start: number; end: number }, B: number): Int32Array => {
  const n = want.end - want.start;
  const out = new Int32Array(B * n);
  outs.forEach((o, i) => {
    const s = spans[i];
    const w = s.end - s.start;
    for (let t = Math.max(s.start, want.start); t < Math.min(s.end, want.end); t++) {
      for (let b = 0; b < B; b++) out[b * n + t - want.start] = o.data[b * w + t - s.start];
    }
  });
  return out;
};

/** One-shot forms: a temporary sampler, disposed afterwards. */
export const sampleGrouped = async (config: ArConfig, params: ParamsInput, labels: ArrayLike<number>, key: Key, o: SampleOptions = {}, copts: CompileOptions = {}): Promise<SampleResult> => {
  const s = arSampler(config, copts);
  try { return await s.grouped(params, labels, key, o); } finally { s.dispose(); }
};

export const sampleTokenByToken = async (config: ArConfig, params: ParamsInput, labels: ArrayLike<number>, key: Key, o: SampleOptions = {}, copts: CompileOptions = {}): Promise<SampleResult> => {
  const s = arSampler(config, copts);
  try { return await s.tokenByToken(params, labels, key, o); } finally { s.dispose(); }
};

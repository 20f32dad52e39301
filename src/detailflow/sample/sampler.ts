import { defaultBackend, isOnnxBackend, parseBackendName, type BackendName } from '../../compile/backend.ts';
import { compile, moveToHost, type CompileOptions, type Compiled } from '../../compile/compile.ts';
import { isDeviceArray, type DeviceArray } from '../../compile/device-array.ts';
import { devicePut } from '../../compile/device-put.ts';
import { hostArray, isHostArray, type HostArray } from '../../ir/host-array.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { flatten, type Tree } from '../../tree/tree.ts';
import { orThrow } from '../../config/codec.ts';
import { passInputLengthOf } from '../pass-plan.ts';
import type { LayerCache } from '../ar/block.ts';
import type { ArConfig } from '../ar/config.ts';
import { tokenSpan } from '../ar/layout.ts';
import { arModel, type ArParams } from '../ar/model.ts';
import { placedShapeOf, placementOf } from '../ar/placement.ts';
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
 * the object only memoises compiled pass plans (one per pass shape) between calls. Each pass
 * consumes the previous pass's KV cache (donated); parameters the sampler put on the device
 * itself are consumed by the last pass. Nothing here frees memory by hand.
 */
export interface ArSampler {
  readonly config: ArConfig;
  /** The grouped sampler (generate_group_par's pass plan). Throws ConfigError before any work. */
  grouped(params: ParamsInput, labels: ArrayLike<number>, key: Key, opts?: SampleOptions, hooks?: SampleHooks): Promise<SampleResult>;
  /** Next-token sampling for a model trained with g = 1 (the plain AR baseline). */
  tokenByToken(params: ParamsInput, labels: ArrayLike<number>, key: Key, opts?: SampleOptions, hooks?: SampleHooks): Promise<SampleResult>;
  /** Puts host parameters on the device once, for repeated calls (freed when the result is collected). */
  upload(params: ParamsInput): Promise<DeviceParams>;
  readonly planCount: number;
  /** On an ONNX backend: per compiled pass shape, the time its session took to build and its ONNX node count. */
  sessionStats(): Promise<{ ms: number; nodes: number }[]>;
}

type DevCache = readonly LayerCache<DeviceArray>[];
type Pass = Compiled<PassOutputs>;

const isLeaf = (x: unknown): x is HostArray | DeviceArray => isHostArray(x) || isDeviceArray(x);

/**
 * The KV cache's layout on the device: 'growing' appends each pass's positions, so every pass has
 * its own graph; 'fixed' holds N positions from the first pass on and places each pass's rows by
 * data, so the passes share a few graphs (token by token three, DetailFlow's grouped plan four or
 * five: see placedShapeOf). Each pass of a fixed cache reads and writes all N positions, where a growing
 * one copies the positions so far, so the fixed cache's passes are slower once built (1.3x for
 * the grouped sampler at N = 128 on onnx-cpu), and it pays where building graphs dominates.
 */
export type CacheLength = 'growing' | 'fixed';

/**
 * Fixed for token-by-token sampling on ONNX Runtime, where the growing cache would build and
 * warm up N sessions (N = 128 on onnx-cpu: 59.5 s against 17.3 s for the first call, the
 * README's bench sample); growing otherwise (tfjs builds a plan in milliseconds).
 */
export const defaultCacheLength = (backend: BackendName, mode: 'grouped' | 'token-by-token'): CacheLength =>
  (isOnnxBackend(backend) && mode === 'token-by-token' ? 'fixed' : 'growing');

export const arSampler = (config: ArConfig, opts: CompileOptions = {}, cacheLength?: CacheLength): ArSampler => {
  const model = arModel(config);
  const plans = new Map<string, Pass>();

  // (params, cache, inputs): the cache (argument 1) is always donated, the parameters (argument 0)
  // too when `consumesParams` (the last pass over parameters the sampler uploaded itself)
  const planFor = (s: PassSpec, consumesParams: boolean): Pass => {
    // a placed pass's graph does not depend on where it sits, only on its shape
    const id = s.placed
      ? JSON.stringify({ shape: placedShapeOf(config, s.from, s.to), sample: [s.sample.start - s.from, s.sample.end - s.from], doubled: s.doubled, topK: s.topK, topP: s.topP, keepCache: s.keepCache, consumesParams })
      : `${JSON.stringify(s)}|${consumesParams}`;
    let p = plans.get(id);
    if (!p) {
      p = compile((params: Params<ArParams>, cache: readonly LayerCache[], x: PassInputs) => passGraph(model, s)(params, cache.length ? { ...x, cache } : x),
        { ...opts, name: 'arPass', donate: consumesParams ? [0, 1] : [1] });
      plans.set(id, p);
    }
    return p;
  };

  const upload = (params: ParamsInput): Promise<DeviceParams> => devicePut(params, opts);

  const run = async (params: ParamsInput, req: SampleRequest, mode: 'grouped' | 'token-by-token', key: Key, hooks: SampleHooks): Promise<SampleResult> => {
    const B = req.labels.length;
    const leaves = flatten(params as Tree<HostArray | DeviceArray>, isLeaf, 'host or device array').leaves;
    const device = leaves.some(isHostArray) ? await upload(params) : params;
    // only a copy the sampler made wholly itself is consumed; a caller's device arrays never are
    const owned = leaves.every(isHostArray);
    const nullRows = new Int32Array(B).fill(config.classes);
    const classes = hostArray(req.doubled ? Int32Array.from([...req.labels, ...nullRows]) : req.labels, [req.doubled ? 2 * B : B]);
    const outs: DeviceArray[] = [];
    const read: HostArray[] = [];
    // outputs are read back lazily, each moved to the host once: with the cache and no hook,
    // nothing is read until the end, so the passes queue up on the device without a round trip each
    const readUpTo = async (n: number): Promise<HostArray[]> => {
      for (let j = read.length; j < n; j++) read.push(await moveToHost(outs[j]));
      return read;
    };
    const log: Pick<PassSpec, 'from' | 'to' | 'sample'>[] = [];
    let cache: DevCache | undefined;
    let from = 0;
    const backend = opts.backend === undefined ? await defaultBackend() : parseBackendName(opts.backend);
    const placed = req.cache && (cacheLength ?? defaultCacheLength(backend, mode)) === 'fixed';
    for (const [i, span] of req.spans.entries()) {
      const to = passInputLengthOf(model.layout, span);
      const held = tokenSpan(from, to, model.layout);
      const spec: PassSpec = {
        from, to, sample: span, doubled: req.doubled, keepCache: req.cache && i < req.spans.length - 1, ...(placed ? { placed } : {}),
        ...(req.topK !== undefined ? { topK: req.topK } : {}), ...(req.topP !== undefined ? { topP: req.topP } : {}),
      };
      // with the cache, a pass holds exactly the tokens the previous pass sampled: chain them on the
      // device, unless a hook has already moved them to the host (then they go back up: a few ints)
      const chained = !hooks.onPass && req.cache && i > 0 && held.start === req.spans[i - 1].start && held.end === req.spans[i - 1].end;
      const tokens = held.end === held.start ? undefined : chained ? outs[i - 1]
        : hostArray(gatherHost(await readUpTo(i), req.spans, held, B), [B, held.end - held.start]);
      const inputs = {
        ...(from === 0 ? { classes } : {}), ...(tokens ? { tokens } : {}),
        key: foldIn(key, i), scale: req.scales[i], temperature: req.temperature,
        ...(placed ? { placement: placementOf(config, from, to) } : {}),
      };
      const out = await planFor(spec, owned && i === req.spans.length - 1).run(device, cache ?? [], inputs);
      cache = out.cache;
      outs.push(out.tokens);
      log.push({ from, to, sample: span });
      if (req.cache) from = to;
      if (hooks.onPass) {
        const prefix = { start: 0, end: span.end };
        await hooks.onPass({ index: i, end: span.end, tokens: hostArray(gatherHost(await readUpTo(outs.length), req.spans, prefix, B), [B, span.end]) });
      }
    }
    const all = await readUpTo(outs.length);
    return { tokens: hostArray(gatherHost(all, req.spans, { start: 0, end: config.tokens }, B), [B, config.tokens]), passes: log.length, log };
  };

  const sample = (mode: 'grouped' | 'token-by-token') =>
    async (params: ParamsInput, labels: ArrayLike<number>, key: Key, o: SampleOptions = {}, hooks: SampleHooks = {}): Promise<SampleResult> =>
      run(params, orThrow(checkSampleRequest(config, labels, o, mode)), mode, key, hooks);

  return {
    config,
    grouped: sample('grouped'),
    tokenByToken: sample('token-by-token'),
    upload,
    get planCount() { return [...plans.values()].reduce((n, p) => n + p.planCount, 0); },
    sessionStats: async () => (await Promise.all([...plans.values()].map((p) => p.sessionStats()))).flat(),
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

/** One-shot forms: a temporary sampler (its plans go with it). */
export const sampleGrouped = (config: ArConfig, params: ParamsInput, labels: ArrayLike<number>, key: Key, o: SampleOptions = {}, copts: CompileOptions = {}): Promise<SampleResult> =>
  arSampler(config, copts).grouped(params, labels, key, o);

export const sampleTokenByToken = (config: ArConfig, params: ParamsInput, labels: ArrayLike<number>, key: Key, o: SampleOptions = {}, copts: CompileOptions = {}): Promise<SampleResult> =>
  arSampler(config, copts).tokenByToken(params, labels, key, o);

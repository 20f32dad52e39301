/**
 * What the page's address can change: the model files (same origin or any URL the browser may
 * fetch), the backend, and a fault to inject for testing the error reports. Pure: the page
 * passes in its own URL.
 */
export type BackendRequest = 'auto' | 'webgpu' | 'wasm';
export type Fault = 'none' | 'invalid-shader' | 'device-loss';

export interface PageSettings {
  readonly tokenizerUrl: string;
  readonly arUrl: string;
  /** auto: WebGPU on a hardware adapter, else wasm (else WebGPU on a software adapter); webgpu: any adapter. */
  readonly backend: BackendRequest;
  /** Injected after the first pass, to show that GPU faults become visible errors. */
  readonly fault: Fault;
}

/** The models the build embeds next to the page. */
export const EMBEDDED_MODELS = { tokenizer: 'models/tokenizer.safetensors', ar: 'models/ar.safetensors' } as const;

const backends: readonly BackendRequest[] = ['auto', 'webgpu', 'wasm'];
const faults: readonly Fault[] = ['none', 'invalid-shader', 'device-loss'];

/** Reads ?tokenizer=, ?ar=, ?backend=, ?fault= ; model paths resolve against the page's address. */
export const readSettings = (pageUrl: string): { settings: PageSettings; problems: string[] } => {
  const url = new URL(pageUrl);
  const q = url.searchParams;
  const problems: string[] = [];
  const pick = <T extends string>(name: string, allowed: readonly T[]): T => {
    const v = q.get(name);
    if (v === null || v === '') return allowed[0]!;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push(`?${name}=${v} is not one of ${allowed.join(', ')}; using ${allowed[0]}`);
    return allowed[0]!;
  };
  const model = (name: 'tokenizer' | 'ar'): string => new URL(q.get(name) || EMBEDDED_MODELS[name], url).href;
  return {
    settings: { tokenizerUrl: model('tokenizer'), arUrl: model('ar'), backend: pick('backend', backends), fault: pick('fault', faults) },
    problems,
  };
};

export interface SamplingInput {
  readonly label: number;
  readonly cfg: number;
  readonly temperature: number;
  readonly seed: number;
}

/** Checks the form's values; every problem is named with what is allowed. */
export const checkSampling = (raw: { label: string; cfg: string; temperature: string; seed: string }, classes: number): { input?: SamplingInput; problems: string[] } => {
  const label = Number(raw.label);
  const cfg = Number(raw.cfg);
  const temperature = Number(raw.temperature);
  const seed = Number(raw.seed);
  const problems = [
    ...(Number.isInteger(label) && label >= 0 && label < classes ? [] : [`class: choose one of the ${classes} classes`]),
    ...(raw.cfg.trim() !== '' && Number.isFinite(cfg) && cfg >= 1 ? [] : [`CFG scale: expected a number >= 1 (1 = no guidance), got '${raw.cfg}'`]),
    ...(raw.temperature.trim() !== '' && Number.isFinite(temperature) && temperature >= 0 ? [] : [`temperature: expected a number >= 0 (0 = greedy), got '${raw.temperature}'`]),
    ...(raw.seed.trim() !== '' && Number.isSafeInteger(seed) && seed >= 0 ? [] : [`seed: expected a whole number >= 0, got '${raw.seed}'`]),
  ];
  return problems.length ? { problems } : { input: { label, cfg, temperature, seed }, problems };
};

/** The few WebGPU interfaces the page touches (TypeScript's DOM library has none yet). */
export interface GpuAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly description?: string;
  readonly device?: string;
  readonly isFallbackAdapter?: boolean;
}

export interface GpuAdapter {
  readonly info?: GpuAdapterInfo;
  /** Before adapter.info (Chrome 113-130); gone from later browsers. */
  requestAdapterInfo?(): Promise<GpuAdapterInfo>;
  readonly isFallbackAdapter?: boolean;
  readonly limits: GpuLimits;
}

export interface GpuLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
}

export interface GpuError {
  readonly message: string;
  readonly constructor: { readonly name: string };
}

export type GpuErrorFilter = 'validation' | 'out-of-memory' | 'internal';

export interface GpuDevice extends EventTarget {
  readonly limits: GpuLimits;
  readonly features: ReadonlySet<string>;
  readonly lost: Promise<{ readonly reason: string; readonly message: string }>;
  pushErrorScope(filter: GpuErrorFilter): void;
  popErrorScope(): Promise<GpuError | null>;
  createShaderModule(d: { code: string }): unknown;
  destroy(): void;
}

export interface Gpu {
  requestAdapter(o?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapter | null>;
}

export const navigatorGpu = (): Gpu | undefined => (navigator as unknown as { gpu?: Gpu }).gpu;

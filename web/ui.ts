/**
 * The page's elements and what it tells the world: the visible state, errors and pass log, and
 * the same facts on `globalThis.detailflowPage` and body[data-state] for scripts and tests.
 */
import type { FloatImage } from '../src/io/image-grid.ts';
import type { Progress } from './fetch-bytes.ts';

export type PageState = 'loading' | 'ready' | 'generating' | 'done' | 'error';

export interface PassRecord {
  readonly index: number;
  readonly tokens: number;
  /** Side of the decoded prefix, dec(t) pixels. */
  readonly side: number;
  /** Milliseconds of this pass: sampling, reading back and decoding its prefix (not drawing it). */
  readonly ms: number;
}

export interface PageReport {
  state: PageState;
  backend?: 'webgpu' | 'wasm';
  /** The WebGPU adapter's name, whenever the browser offers one (also while on wasm). */
  adapter?: string;
  /** Whether that adapter is a software one (SwiftShader, llvmpipe, ...). */
  softwareAdapter?: boolean;
  notices: string[];
  errors: string[];
  passes: PassRecord[];
  last?: { readonly label: number; readonly seed: number; readonly cfg: number; readonly temperature: number; readonly tokens: number[]; readonly image: FloatImage; readonly seconds: number };
}

export const report: PageReport = { state: 'loading', notices: [], errors: [], passes: [] };
(globalThis as { detailflowPage?: PageReport }).detailflowPage = report;

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};

export const setState = (s: PageState): void => {
  report.state = s;
  document.body.dataset.state = s;
};

export const showErrors = (messages: readonly string[]): void => {
  report.errors = [...messages];
  const box = byId('errors');
  box.hidden = messages.length === 0;
  box.textContent = messages.join('\n');
  if (messages.length) setState('error');
};

export const addNotice = (message: string): void => {
  report.notices.push(message);
  const box = byId('notice');
  box.hidden = false;
  box.textContent = report.notices.join('\n');
};

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** A progress callback that drives one of the download bars. */
export const progressBar = (name: 'tokenizer' | 'ar'): Progress => {
  const bar = byId<HTMLProgressElement>(`progress-${name}`);
  const text = byId(`size-${name}`);
  return (loaded, total) => {
    if (total) {
      bar.max = total;
      bar.value = loaded;
    } else bar.removeAttribute('value');
    text.textContent = total ? `${mib(loaded)} of ${mib(total)}` : mib(loaded);
  };
};

export const clearPasses = (): void => {
  report.passes = [];
  byId('passes').querySelector('tbody')!.replaceChildren();
};

export const addPass = (p: PassRecord): void => {
  report.passes.push(p);
  const row = document.createElement('tr');
  for (const v of [p.index + 1, p.tokens, `${p.side}\u00d7${p.side}`, p.ms.toFixed(0)]) {
    const td = document.createElement('td');
    td.textContent = String(v);
    row.append(td);
  }
  byId('passes').querySelector('tbody')!.append(row);
};

export const setFormEnabled = (on: boolean): void => {
  for (const id of ['class', 'cfg', 'temperature', 'seed', 'generate', 'switch-backend']) byId<HTMLInputElement>(id).disabled = !on;
};

/**
 * The official repos' config files: config.json (the model constructor's kwargs) and config.yaml
 * (training arguments, among them vq_model / gpt_model). The YAML is read as flat `key: scalar`
 * lines only (nested blocks are skipped): that is all the importer needs from it.
 */
import type { GptArgs } from './config.ts';

export type ConfigValues = Readonly<Record<string, unknown>>;

const scalar = (s: string): unknown => {
  const t = s.trim().replace(/\s+#.*$/, '');
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (/^(true|True)$/.test(t)) return true;
  if (/^(false|False)$/.test(t)) return false;
  if (/^(null|None|~)?$/.test(t)) return null;
  return t.replace(/^(['"])(.*)\1$/, '$2');
};

export const parseFlatYaml = (text: string): ConfigValues => {
  const out: Record<string, unknown> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z_][\w.-]*)\s*:\s*(.*)$/.exec(line);
    if (m && m[2].trim() !== '') out[m[1]] = scalar(m[2]);
  }
  return out;
};

/** LlamaGen's named GPTs (gpt.py's GPT_models), for a config.yaml that names one. */
export const gptPresets: Readonly<Record<string, Pick<GptArgs, 'dim' | 'n_layer' | 'n_head'>>> = {
  'GPT-B': { dim: 768, n_layer: 12, n_head: 12 },
  'GPT-L': { dim: 1024, n_layer: 24, n_head: 16 },
  'GPT-XL': { dim: 1280, n_layer: 36, n_head: 20 },
  'GPT-XXL': { dim: 1536, n_layer: 48, n_head: 24 },
  'GPT-XXXL': { dim: 2560, n_layer: 48, n_head: 40 },
  'GPT-3B': { dim: 3200, n_layer: 24, n_head: 32 },
  'GPT-7B': { dim: 4096, n_layer: 32, n_head: 32 },
};

/** config.json's values over config.yaml's, with a named GPT's sizes filled in. */
export const mergeConfigs = (json: ConfigValues, yaml: ConfigValues): ConfigValues => {
  const preset = typeof yaml['gpt_model'] === 'string' ? gptPresets[yaml['gpt_model']] : undefined;
  return { ...yaml, ...(preset ?? {}), ...json };
};

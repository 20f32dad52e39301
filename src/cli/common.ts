/** Pieces every CLI command shares: flag errors, config files, backends and datasets. */
import * as E from 'fp-ts/lib/Either.js';
import path from 'node:path';
import type { CliIO } from './command.ts';
import type { ConfigError } from '../config/errors.ts';
import { checkOutputFile, checkWritableDir, readFileBytes } from '../platform/files.ts';
import { installHardwareWebGPU, installNodeWebGPU } from '../platform/node-webgpu.ts';
import { installOnnxRuntime } from '../platform/onnx-node.ts';
import { loadIdxDataset } from '../platform/load-dataset.ts';
import { backendAvailable, backendNames, defaultBackend, isOnnxBackend, parseBackendName, preferredBackend, useBackend, type BackendName, type Workload } from '../compile/backend.ts';
import type { Dataset } from '../data/dataset.ts';
import { RunError } from './training-run.ts';
import { parseJsonBounded } from '../io/json.ts';

/** Prints flag problems in one report and returns the usage exit code. */
export const flagProblems = (io: CliIO, command: string, problems: readonly string[], usage: string): number => {
  io.err(`detailflow ${command}: invalid flags:\n${problems.map((p) => `  - ${p}`).join('\n')}\n\n${usage}`);
  return 2;
};

/** Prints each usage problem on its own line (no usage text) and returns the usage exit code. */
export const usageProblems = (io: CliIO, command: string, problems: readonly string[]): number => {
  io.err(problems.map((p) => `detailflow ${command}: ${p}`).join('\n'));
  return 2;
};

/** Prints configuration problems in one report and returns the usage exit code. */
export const configProblems = (io: CliIO, command: string, problems: readonly string[]): number => {
  io.err(`detailflow ${command}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return 2;
};

/** A section's decoding problems with the section's name in front ("train.lr: ..."); none when it decoded. */
export const inSection = (section: string, r: E.Either<ConfigError, unknown>): string[] =>
  E.isLeft(r) ? r.left.problems.map((p) => `${section}.${p}`) : [];

/** The problem with --backend, found before anything loads (none when absent or known). */
export const backendFlag = (v: string | undefined): string[] =>
  v === undefined || (backendNames as readonly string[]).includes(v) ? [] : [`--backend: expected one of ${backendNames.join(', ')}, got '${v}'`];

/**
 * Problems with output files and folders, each naming its flag, found before any model loads or
 * any work starts: a file's folder is made if needed and probed with a time bound, a folder the
 * same way. Absent flags are skipped.
 */
export const outputProblems = async (
  files: Readonly<Record<string, string | undefined>>, dirs: Readonly<Record<string, string | undefined>> = {},
): Promise<string[]> => {
  const problems: string[] = [];
  const note = (flag: string, value: string, r: E.Either<{ problems: readonly string[] }, void>) => {
    if (E.isLeft(r)) problems.push(`--${flag} ${value}: ${r.left.problems.join('; ')}`);
  };
  for (const [flag, v] of Object.entries(files)) if (v !== undefined) note(flag, v, await checkOutputFile(v));
  for (const [flag, v] of Object.entries(dirs)) if (v !== undefined) note(flag, v, await checkWritableDir(v));
  return problems;
};

/** Reads a JSON configuration file (or returns {} when none is given). */
export const readJsonFile = async (file: string | undefined): Promise<unknown> => {
  if (file === undefined) return {};
  const bytes = await readFileBytes(path.resolve(file), 'pass an existing JSON file with --config');
  if (E.isLeft(bytes)) throw new RunError(bytes.left.message);
  const parsed = parseJsonBounded(new TextDecoder().decode(bytes.right));
  if (E.isLeft(parsed)) throw new RunError(`${file}: ${parsed.left}`);
  return parsed.right;
};

/**
 * Resolves --backend (or the default), installs Dawn for webgpu in Node, and initialises it.
 * Dawn is loaded only for WebGPU: when it is chosen, or when nothing is chosen and a quiet probe
 * finds a hardware adapter (the only kind the default picks; see platform/webgpu-probe.ts).
 */
export const chooseBackend = async (flag: string | undefined, { workload = 'inference' }: { readonly workload?: Workload } = {}): Promise<BackendName> => {
  const explicit = flag === undefined ? undefined : parseBackendName(flag);
  // probe for a hardware adapter (which loads Dawn) only when nothing chose the backend already:
  // neither --backend nor DETAILFLOW_BACKEND
  const unchosen = explicit === undefined && preferredBackend() === undefined;
  if (unchosen) await installHardwareWebGPU();
  // a training run without a hardware GPU defaults to onnx-cpu where ONNX Runtime loads (wasm otherwise)
  if (unchosen && workload === 'training') await installOnnxRuntime();
  const backend = explicit ?? await defaultBackend({ workload });
  if (backend === 'webgpu') {
    const gpu = await installNodeWebGPU();
    if (!gpu.ok) throw new RunError(`${explicit ? '--backend webgpu' : 'DETAILFLOW_BACKEND=webgpu'}: ${gpu.error}`);
  }
  if (isOnnxBackend(backend)) {
    const ort = await installOnnxRuntime();
    const named = explicit ? `--backend ${backend}` : `DETAILFLOW_BACKEND=${backend}`;
    if (!ort.ok) throw new RunError(`${named}: ${ort.error}`);
    const ready = await backendAvailable(backend);
    if (!ready.ok) throw new RunError(`${named}: ${ready.error}`);
  }
  await useBackend(backend);
  return backend;
};

export const loadSplit = async (dir: string | undefined, split: 'train' | 'test'): Promise<Dataset> => {
  const r = await loadIdxDataset(dir, split);
  if (E.isLeft(r)) throw new RunError(r.left.message);
  return r.right;
};

/** The problem with an integer flag below `min` or fractional (none when absent or fine), worded by its bound. */
export const intFlag = (flag: string, v: number | undefined, min: number): string[] => {
  if (v === undefined || (Number.isInteger(v) && v >= min)) return [];
  const want = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
  return [`--${flag}: expected ${want}, got ${v}`];
};

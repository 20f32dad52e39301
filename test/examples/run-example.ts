/** Runs an example as a user would (a subprocess from the repository root) and reads what it reports. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { decodePng, type PngImage } from '../../src/io/png.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const denoBin = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url));
/**
 * Node runs the TypeScript examples through tsx, as bin/detailflow.mjs runs the CLI. The examples
 * import 'detailflow' as users do; the detailflow-source condition resolves it to src/, not dist/.
 */
export const nodeExample = (file: string): string[] => [process.execPath, '--conditions=detailflow-source', '--import', 'tsx', file];
export const denoExample = (file: string): string[] => [denoBin, 'run', '-A', '--conditions=detailflow-source', file];

export interface ExampleRun {
  readonly stdout: string;
  /** The JSON summary every example prints as its last line. */
  readonly summary: Record<string, unknown>;
  readonly seconds: number;
}

/** Runs [command, ...args]; fails the test with the example's output when it exits non-zero. */
export const runExample = (argv: readonly string[], env: Record<string, string> = {}): Promise<ExampleRun> => {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { cwd: root, timeout: 180_000, maxBuffer: 1 << 24, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${argv.slice(1).join(' ')} failed (${err.message}):\n${stdout}\n${stderr}`));
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ stdout, summary: JSON.parse(last), seconds: (performance.now() - started) / 1000 });
      } catch {
        reject(new Error(`the last line of ${argv.slice(1).join(' ')} is not its JSON summary:\n${stdout}\n${stderr}`));
      }
    });
  });
};

export const readPng = async (file: string): Promise<PngImage> => {
  const png = await decodePng(new Uint8Array(await readFile(file)));
  assert.ok(E.isRight(png), `${file} is not a PNG`);
  return png.right;
};

/** The size imageGrid gives `cols` x `rows` cells of `cell` pixels with `pad` around and between them. */
export const gridSize = (cols: number, rows: number, cell: number, pad = 2) => ({ width: cols * cell + (cols + 1) * pad, height: rows * cell + (rows + 1) * pad });

export type Log = readonly Record<string, number>[];

/** Every loss term of every step is finite; the steps are numbered 1..steps. */
export const assertFiniteLog = (log: Log, steps: number): void => {
  assert.deepEqual(log.map((m) => m.step), Array.from({ length: steps }, (_, i) => i + 1));
  for (const m of log) for (const k of ['loss', 'mse', 'vq', 'commit']) assert.ok(Number.isFinite(m[k]), `step ${m.step}: ${k} = ${m[k]}`);
};

/** A reconstruction grid: one row per image, one column per prefix and one for the original, 32 px cells at scale 2. */
export const assertReconGrid = async (file: string, images: number, prefixes: readonly number[]): Promise<void> => {
  const png = await readPng(file);
  assert.deepEqual({ width: png.width, height: png.height }, gridSize(prefixes.length + 1, images, 64));
};

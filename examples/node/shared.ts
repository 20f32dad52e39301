/**
 * What the Node examples share: choosing a backend (Dawn's WebGPU installed first, so that
 * `webgpu` is available), loading Fashion-MNIST or synthetic shapes, the two model sizes the
 * examples train, and writing PNGs. Library code comes from the package's public entry points.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { backendFromEnv, data, defaultBackend, io, keyFromSeed, parseBackendName, useBackend, type BackendName } from 'detailflow';
import { installHardwareWebGPU, installNodeWebGPU } from 'detailflow/node';

/**
 * Runs an example's body. A failure prints its message and sets exit code 1; left uncaught it
 * would reach the wasm runtime's own handler, which rethrows it with the runtime's whole source.
 */
export const runMain = (body: () => Promise<void>): Promise<void> => body().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exitCode = 1;
});

export { parseClasses, positiveInt } from '../shared/flag-values.ts';

/**
 * The --backend flag, else DETAILFLOW_BACKEND, else webgpu on a hardware adapter, else wasm.
 * Dawn is loaded only for WebGPU: when chosen, or when a quiet probe finds a hardware adapter.
 */
export const pickBackend = async (flag?: string): Promise<BackendName> => {
  const chosen = flag === undefined ? backendFromEnv(process.env) : parseBackendName(flag);
  if (chosen === 'webgpu') await installNodeWebGPU();
  if (chosen === undefined) await installHardwareWebGPU();
  const backend = chosen ?? await defaultBackend();
  await useBackend(backend);
  return backend;
};

/** A split of Fashion-MNIST (padded to 32x32, in [-1, 1]) read from `dir`, or `count` synthetic 32x32 grey shapes. */
export const loadImages = async (opts: { synthetic?: boolean; dir?: string; split: data.Split; count?: number }): Promise<data.Dataset> => {
  if (opts.synthetic) return data.syntheticDataset(keyFromSeed(opts.split === 'train' ? 1 : 2), { count: opts.count ?? 1024, channels: 1 });
  const dir = opts.dir ?? data.fashionMnistDefaultDir;
  const names = data.idxFileNames[opts.split];
  const read = (name: string) => readFile(path.join(dir, `${name}.gz`)).catch(() => readFile(path.join(dir, name)));
  const [images, labels] = await Promise.all([read(names.images), read(names.labels)]).catch((e: Error) => {
    throw new Error(`cannot read Fashion-MNIST from ${dir} (${e.message}); pass --data DIR or --synthetic. ${data.fashionMnistHowToGet}`);
  });
  const ds = await data.fashionMnistFromBytes(images, labels);
  if (E.isLeft(ds)) throw ds.left;
  return opts.count === undefined ? ds.right : data.subsetDataset(ds.right, Array.from({ length: Math.min(opts.count, ds.right.count) }, (_, i) => i));
};

/** A tokenizer that trains in seconds (smoke runs) and one that learns something in minutes on a CPU. */
export const tinyTokenizer = {
  size: 32, patch: 8, tokens: 8, group: 2, causal: 2, codebookSize: 32, codeDim: 8,
  encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2,
  noiseTopK: 4, alignHidden: 8, alignWeight: 0, perceptualWeight: 0,
};
export const smallTokenizer = {
  size: 32, patch: 4, tokens: 16, group: 2, causal: 2, codebookSize: 256, codeDim: 8,
  encoderWidth: 64, encoderDepth: 2, encoderHeads: 4, decoderWidth: 64, decoderDepth: 2, decoderHeads: 4,
  noiseTopK: 16, alignWeight: 0, perceptualWeight: 0,
};

export const writePng = async (file: string, png: io.PngImage): Promise<string> => {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, await io.encodePng(png));
  return path.resolve(file);
};

/** A line of the metrics that matter while training a tokenizer. */
export const lossLine = (step: number, m: Readonly<Record<string, number>>): string =>
  `step ${String(step).padStart(4)}  t ${String(m.t).padStart(2)}  loss ${m.loss.toFixed(4)}  mse ${m.mse.toFixed(4)}  vq ${m.vq.toFixed(4)}  commit ${m.commit.toFixed(4)}`;

/**
 * Samples class-conditional images from the shipped models under Deno, on Deno's own WebGPU.
 *
 *   node_modules/.bin/deno run -A examples/deno/sample.ts [--ar models/ar.safetensors]
 *        [--tokenizer models/tokenizer.safetensors] [--classes 0,1,2] [--per-class 4] [--cfg 1.5]
 *        [--seed 0] [--backend webgpu|wasm|cpu] [--out out/examples/deno]
 *   node_modules/.bin/deno run -A examples/deno/sample.ts --smoke      # two images
 *   (in this checkout, from the repository root, add --conditions=detailflow-source after `run -A`:
 *   it points the `detailflow` import at src/; see the README's Examples)
 *
 * The same library calls as examples/node/sample.ts: the checkpoint bytes come from Deno.readFile,
 * the generator runs unchanged. Prints a JSON summary; writes OUT/samples.png (one row per class)
 * and OUT/progressive.png (the first sample of each class after every pass).
 */
import * as E from 'fp-ts/lib/Either.js';
import { keyFromSeed, pretrained } from 'detailflow';
import { deno, flags, parseClasses, pickBackend, positiveInt, writePng } from './shared.ts';

const f = flags(['smoke', 'ar', 'tokenizer', 'classes', 'per-class', 'cfg', 'seed', 'backend', 'out']);
const smoke = f.smoke === 'true';
const out = f.out ?? 'out/examples/deno';

const load = async <M>(file: string, decode: (b: Uint8Array) => E.Either<string, M>): Promise<M> => {
  const m = decode(await deno.readFile(file));
  if (E.isLeft(m)) throw new Error(`${file}: ${m.left}`);
  return m.right;
};
const models = {
  tokenizer: await load(f.tokenizer ?? 'models/tokenizer.safetensors', pretrained.decodeTokenizerFile),
  ar: await load(f.ar ?? 'models/ar.safetensors', pretrained.decodeArFile),
};

const classes = parseClasses(f.classes ?? (smoke ? '0,1' : '0,1,2,3,4,5,6,7,8,9'));
const perClass = positiveInt('per-class', f['per-class'], smoke ? 1 : 4);
const labels = classes.flatMap((c) => Array<number>(perClass).fill(c));

const backend = await pickBackend(f.backend);
const gen = pretrained.generator(models, { backend });
const g = await gen.generate(labels, keyFromSeed(Number(f.seed ?? 0)), f.cfg ? { cfg: Number(f.cfg) } : {}, { progressive: true });
console.log(`${labels.length} images in ${g.passes} passes, ${g.seconds.toFixed(2)} s on ${backend}`);
const samples = await writePng(out, 'samples.png', pretrained.sampleGrid(g, perClass));
const progressive = await writePng(out, 'progressive.png', pretrained.progressiveStrip(g, 2, classes.map((_, i) => i * perClass)));
console.log(JSON.stringify({ example: 'deno-sample', backend, images: labels.length, passes: g.passes, frames: g.frames.map((x) => x.tokens), seconds: g.seconds, samples, progressive }));

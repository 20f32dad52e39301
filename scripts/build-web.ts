/**
 * `npm run build:web [-- --out DIR] [--tokenizer FILE] [--ar FILE] [--no-minify]`: bundles the web
 * page (web/) with esbuild for the browser and writes a static folder any static host can serve
 * (default dist-web/): index.html, style.css, main.js with its chunks, the tfjs wasm binaries
 * (wasm/) and the embedded models (models/tokenizer.safetensors, models/ar.safetensors).
 *
 * The bundle is built for the browser, so a Node built-in anywhere in what the page imports
 * fails the build; a Node-only edge of src/ (src/cli, src/platform) in it fails it too. The
 * whole library entry (src/index.ts) is bundled the same way first, as a check.
 */
import { build, type Metafile } from 'esbuild';
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MARKER = '.detailflow-web';

export interface BuildOptions {
  readonly outDir: string;
  /** Model files to embed; null embeds none. Default: models/tokenizer.safetensors, models/ar.safetensors. */
  readonly tokenizer?: string | null;
  readonly ar?: string | null;
  readonly minify?: boolean;
}

export interface BuildResult {
  readonly outDir: string;
  /** Files written, relative to outDir, with their sizes. */
  readonly files: readonly { readonly file: string; readonly bytes: number }[];
  /** Things the page will lack (e.g. a model file that does not exist yet). */
  readonly warnings: readonly string[];
}

export class BuildError extends Error {
  override readonly name = 'BuildError';
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/** Empties outDir, refusing a non-empty folder that is not an earlier build. */
const prepare = async (outDir: string): Promise<void> => {
  if (await exists(outDir)) {
    const entries = await readdir(outDir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new BuildError(`build-web: ${outDir} is not empty and holds no earlier web build; choose another --out (it would be wiped)`);
    }
    await rm(outDir, { recursive: true, force: true });
  }
  await mkdir(outDir, { recursive: true });
};

const nodeOnlyEdges = (meta: Metafile): string[] =>
  Object.keys(meta.inputs).filter((f) => /(^|\/)src\/(cli|platform)\//.test(f));

const esbuildProblems = (e: { errors?: { text: string; location?: { file: string; line: number } | null }[] }): string =>
  (e.errors ?? []).map((m) => `  ${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`).join('\n') || String(e);

/**
 * The whole library (src/index.ts, everything the package exports as '.') bundled for the browser
 * without writing it: fails on any Node built-in or Node-only edge reachable from it.
 */
export const checkLibraryForBrowser = async (entry = path.join(root, 'src/index.ts')): Promise<void> => {
  const name = path.relative(root, entry);
  const r = await build({
    entryPoints: [entry], bundle: true, splitting: true, format: 'esm', platform: 'browser',
    target: 'es2022', outdir: path.join(root, 'dist-web-check'), write: false, metafile: true, logLevel: 'silent', absWorkingDir: root,
  }).catch((e) => {
    throw new BuildError(`build-web: the library (${name}) does not bundle for the browser:\n${esbuildProblems(e)}`);
  });
  const edges = nodeOnlyEdges(r.metafile);
  if (edges.length) throw new BuildError(`build-web: ${name} reaches Node-only modules: ${edges.join(', ')}`);
};

export const buildWeb = async (opts: BuildOptions): Promise<BuildResult> => {
  const outDir = path.resolve(opts.outDir);
  await checkLibraryForBrowser();
  await prepare(outDir);
  const result = await build({
    entryPoints: [path.join(root, 'web/main.ts')],
    bundle: true, splitting: true, format: 'esm', platform: 'browser', target: 'es2022',
    outdir: outDir, chunkNames: 'chunks/[name]-[hash]', minify: opts.minify ?? true, sourcemap: 'linked', metafile: true, logLevel: 'silent',
    absWorkingDir: root,
  }).catch((e) => {
    throw new BuildError(`build-web: bundling web/main.ts for the browser failed:\n${esbuildProblems(e)}`);
  });
  const edges = nodeOnlyEdges(result.metafile);
  if (edges.length) throw new BuildError(`build-web: the page bundles Node-only modules: ${edges.join(', ')}; the page may import only platform-neutral parts of src/`);
  const copies: [string, string][] = [
    [path.join(root, 'web/index.html'), 'index.html'],
    [path.join(root, 'web/style.css'), 'style.css'],
    ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']
      .map((f): [string, string] => [path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist', f), `wasm/${f}`]),
  ];
  const warnings: string[] = [];
  for (const [name, given] of [['tokenizer', opts.tokenizer], ['ar', opts.ar]] as const) {
    if (given === null) continue;
    const src = path.resolve(root, given ?? `models/${name}.safetensors`);
    if (await exists(src)) copies.push([src, `models/${name}.safetensors`]);
    else if (given !== undefined) throw new BuildError(`build-web: --${name} ${given}: no such file`);
    else warnings.push(`${path.relative(root, src)} does not exist: the page will report the ${name === 'ar' ? 'AR' : 'tokenizer'} model as missing (pass --${name} FILE, or ?${name}=URL on the page)`);
  }
  for (const [src, rel] of copies) {
    await mkdir(path.dirname(path.join(outDir, rel)), { recursive: true });
    await copyFile(src, path.join(outDir, rel));
  }
  await writeFile(path.join(outDir, MARKER), 'written by scripts/build-web.ts; the folder is wiped on the next build\n');
  const files = await Promise.all([...Object.keys(result.metafile.outputs).map((o) => path.relative(outDir, path.resolve(root, o))), ...copies.map(([, rel]) => rel)]
    .map(async (file) => ({ file, bytes: (await stat(path.join(outDir, file))).size })));
  return { outDir, files, warnings };
};

const parseArgs = (argv: readonly string[]): BuildOptions => {
  const o: { outDir: string; tokenizer?: string; ar?: string; minify?: boolean } = { outDir: path.join(root, 'dist-web') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new BuildError(`build-web: ${a} needs a value`);
      return v;
    };
    if (a === '--out') o.outDir = path.resolve(value());
    else if (a === '--tokenizer') o.tokenizer = value();
    else if (a === '--ar') o.ar = value();
    else if (a === '--no-minify') o.minify = false;
    else throw new BuildError(`build-web: unknown argument '${a}' (usage: build-web [--out DIR] [--tokenizer FILE] [--ar FILE] [--no-minify])`);
  }
  return o;
};

/** The command line: builds, prints what was written, returns the result. */
export const buildWebCli = async (argv: readonly string[]): Promise<BuildResult> => {
  const r = await buildWeb(parseArgs(argv));
  const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
  const shown = r.files.filter((f) => !f.file.endsWith('.map'));
  console.log(`build-web: wrote ${r.outDir} (${shown.length} files, ${kib(shown.reduce((s, f) => s + f.bytes, 0))} without source maps)`);
  for (const f of shown) console.log(`  ${f.file.padEnd(48)} ${kib(f.bytes).padStart(9)}`);
  for (const w of r.warnings) console.warn(`build-web: warning: ${w}`);
  return r;
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWebCli(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof BuildError ? e.message : e);
    process.exit(1);
  });
}

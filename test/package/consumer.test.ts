/**
 * The package as a user gets it: `npm pack` (whose prepack builds dist/), then `npm install` of
 * the tarball into a fresh project outside the repository (dependencies from the registry or
 * npm's cache). There: plain Node imports it, tsc type-checks a consumer under NodeNext and
 * Bundler resolution, the README's DSL snippet compiles and runs, and the installed `detailflow`
 * command runs `demo` with no tsx and no warning. A few minutes on two cores, most of it tsc.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
// Under `npm test` npm names its own CLI; otherwise the npm on PATH.
const npm = process.env.npm_execpath?.endsWith('.js') ? [process.execPath, process.env.npm_execpath] : ['npm'];

interface Ran { readonly stdout: string; readonly stderr: string; readonly seconds: number }

/** Runs argv in cwd; rejects with everything it printed when it exits non-zero. */
const run = (argv: readonly string[], cwd: string, timeoutS = 300): Promise<Ran> => {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { cwd, timeout: timeoutS * 1000, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${argv.join(' ')} (in ${cwd}) failed: ${err.message}\n${stdout}\n${stderr}`));
      resolve({ stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
};

/** The first ```ts block under the README's "## Using the DSL". */
const readmeSnippet = async (): Promise<string> => {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const m = /^## Using the DSL\s*\n+```ts\n([\s\S]*?)\n```/m.exec(readme);
  assert.ok(m, 'README.md has no ```ts block right under "## Using the DSL"');
  return `${m[1]}\n`;
};

// Uses both entry points and a type-only import, so a broken .d.ts path or export fails tsc.
const consumerTs = `import { ops as o, compile, hostArray, keyFromSeed, type BackendName } from 'detailflow';
import { installNodeWebGPU, type WebGPUInstall } from 'detailflow/node';

const backend: BackendName = 'wasm';
const f = compile((x: o.Tensor) => o.sum(o.square(x)), { backend });
const install: () => Promise<WebGPUInstall> = installNodeWebGPU;
export const check = async (): Promise<number> => {
  const out = await f.run(hostArray(new Float32Array([1, 2, 3]), [3]));
  void install;
  void keyFromSeed(0);
  return (await out.host()).data[0] as number;
};
`;

const tsconfig = (resolution: 'NodeNext' | 'Bundler', emit: boolean) => JSON.stringify({
  compilerOptions: {
    target: 'ES2022',
    module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
    moduleResolution: resolution,
    strict: true,
    // our .d.ts are checked too, not skipped; tfjs's own need the DOM lib
    skipLibCheck: false,
    lib: ['ES2022', 'DOM'],
    ...(emit ? { outDir: 'build' } : { noEmit: true }),
  },
  include: ['consumer.ts', 'snippet.ts'],
}, null, 2);

/** The .d.ts files reachable from `entry` through relative imports that import tfjs themselves. */
const declarationsReachingTfjs = async (dir: string, entry: string): Promise<string[]> => {
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    if (/['"]@tensorflow\//.test(text)) found.push(path.relative(dir, file));
    for (const m of text.matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) await visit(path.resolve(path.dirname(file), m[1]!).replace(/\.(ts|js)$/, '') + '.d.ts');
  };
  await visit(path.join(dir, entry));
  assert.ok(seen.size > 50, `only ${seen.size} declaration files reached from ${entry}: the walk is broken`);
  return found;
};

test('the packed tarball installs into a fresh project and works there', { timeout: 900_000 }, async (t) => {
  const tmp = await mkdtemp(path.join(tmpdir(), 'detailflow-package-'));
  const times: string[] = [];
  const timed = async (what: string, p: Promise<Ran>): Promise<Ran> => {
    const r = await p;
    times.push(`${what} ${r.seconds.toFixed(1)} s`);
    return r;
  };
  try {
    // npm pack prints the prepack build's output before its JSON
    const packed = await timed('pack', run([...npm, 'pack', '--json', '--pack-destination', tmp], root, 600));
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[\n'))) as { filename: string; size: number; files: { path: string }[] }[];
    const files = info.files.map((f) => f.path);
    const stray = files.filter((f) => !/^(dist|models|bin)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
    assert.deepEqual(stray, [], 'the tarball ships only dist/, models/, bin/, package.json, README.md and LICENSE');
    assert.deepEqual(files.filter((f) => /(^|\/)(test|laws|scripts|\.ci)\/|\.(test|law)\.[jt]s$/.test(f)), []);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'bin/detailflow.mjs', 'models/tokenizer.safetensors', 'models/ar.safetensors']) assert.ok(files.includes(f), `the tarball lacks ${f}`);
    // issue 20's bound: the shipped tokenizer and AR model are stored as float16 (about 9.6 MB), the
    // teacher and metric network as float32 (1 MB); the bound also catches strays such as runs/
    assert.ok(info.size < 15e6, `the tarball is ${(info.size / 1e6).toFixed(1)} MB, over 15 MB`);

    const app = path.join(tmp, 'app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', allowScripts: { webgpu: true } }));
    await timed('install', run([...npm, 'install', '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, info.filename)], app, 300));
    assert.ok(!existsSync(path.join(app, 'node_modules/tsx')), 'tsx is a devDependency: an installed package runs without it');
    const tfTyped = await declarationsReachingTfjs(path.join(app, 'node_modules/detailflow/dist'), 'index.d.ts');
    assert.deepEqual(tfTyped, [], 'the public index\'s declarations reach tfjs types (keep the registry and tensors internal)');

    const imported = await run([process.execPath, '--input-type=module', '-e',
      "const m = await import('detailflow'); const n = await import('detailflow/node'); console.log(typeof m.compile, typeof m.ops.matmul, typeof n.installNodeWebGPU)"], app);
    assert.equal(imported.stdout.trim(), 'function function function');

    await writeFile(path.join(app, 'consumer.ts'), consumerTs);
    await writeFile(path.join(app, 'snippet.ts'), await readmeSnippet());
    await writeFile(path.join(app, 'tsconfig.json'), tsconfig('NodeNext', true));
    await writeFile(path.join(app, 'tsconfig.bundler.json'), tsconfig('Bundler', false));
    await Promise.all([
      timed('tsc NodeNext', run([process.execPath, tsc, '-p', 'tsconfig.json'], app)),
      timed('tsc Bundler', run([process.execPath, tsc, '-p', 'tsconfig.bundler.json'], app)),
    ]);
    const snippet = await run([process.execPath, 'build/snippet.js'], app);
    assert.match(snippet.stdout, /^Float32Array\(1\) \[ [-\d.e]+ \]/);
    const check = await run([process.execPath, '--input-type=module', '-e', "console.log(await (await import('./build/consumer.js')).check())"], app);
    assert.equal(check.stdout.trim(), '14');

    const out = path.join(tmp, 'demo');
    const demo = await timed('demo', run([...npm, 'exec', '--no', '--', 'detailflow', 'demo', '--out', out], app));
    assert.ok(existsSync(path.join(out, 'samples.png')) && existsSync(path.join(out, 'progressive.png')));
    // npm's own notices are not the command's; progress lines may be there, warnings may not
    const own = demo.stderr.split('\n').filter((l) => !/^npm (warn|notice)/i.test(l)).join('\n');
    assert.doesNotMatch(own, /warn/i, `demo printed on stderr:\n${demo.stderr}`);
  } finally {
    t.diagnostic(times.join(', '));
    await rm(tmp, { recursive: true, force: true });
  }
});

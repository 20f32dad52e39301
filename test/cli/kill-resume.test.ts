// Runs that never destroy work: each trainer is killed (SIGKILL) at seeded random moments, many of
// them inside a save, and resumed each time; the finished run must equal an uninterrupted one byte
// for byte (checkpoint, log, pictures), no checkpoint may ever go back or be damaged, and no
// temporary file may be left. The moments come from a seeded PRNG and from what the child says on
// stderr: DETAILFLOW_TEST_SAVE_PAUSE_MS (a test-only seam in src/cli/training-run.ts) makes every
// save name each stage of its atomic write and pause there, so a kill lands inside it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { fileURLToPath } from 'node:url';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { checkpointDamage } from '../../src/train/checkpoint-damage.ts';
import { readCheckpointHeader } from '../../src/train/checkpoint.ts';
import { temporaryFileOf } from '../../src/platform/files.ts';
import { TEACHER_KIND } from '../../src/detailflow/teacher/teacher-file.ts';
import { tinyIdxDir } from '../helpers/tiny-idx.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// Each child runs the trainer command alone (test/helpers/train-child.ts), bundled once by esbuild
// (the transpiler tsx uses) into one file under node_modules/.cache, where the packages resolve as
// from src/: a start then costs about 1.5 s of CPU instead of 2.5 through tsx's loader, and this file
// starts about 50 children. (One worker each: the data-parallel worker entry is not in the bundle.)
const childScript = fileURLToPath(new URL('../helpers/train-child.ts', import.meta.url));
const bundleDir = fileURLToPath(new URL(`../../node_modules/.cache/detailflow-kill-test-${process.pid}/`, import.meta.url));
const childBundle = path.join(bundleDir, 'train-child.mjs');
after(() => rm(bundleDir, { recursive: true, force: true }));
const KILLS = 20;
const PAUSE_MS = 40;

const tokCfg = {
  tokenizer: { size: 32, patch: 8, tokens: 8, group: 2, causal: 2, codebookSize: 32, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8 },
  train: { steps: 24, batchSize: 8, lr: 0.003, checkpointEvery: 2, reconstructionEvery: 12 },
};
// train-evaluator runs the same command code (src/cli/classifier-training.ts) as train-teacher. The
// classifiers save every 200 (teacher) or 250 (evaluator) steps: at this size only at the end, so
// each kill restarts the teacher from step 0 (its log cut back to nothing).
const teacherCfg = { width: 8, steps: 20, batchSize: 16, lr: 0.01 };
const arCfg = { ar: { width: 32, depth: 1, heads: 2, mlpHidden: 64, headInitStd: 0.02 }, train: { steps: 24, batchSize: 8, lr: 0.01, ema: 0.9, checkpointEvery: 2 } };

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const run = async (argv: string[]) => {
  const io = memoryIO();
  const code = await dispatch(argv, io);
  assert.equal(code, 0, `${argv[0]} exited ${code}:\n${io.stderr.join('\n')}`);
  return io;
};

interface Trainer {
  readonly name: string;
  readonly checkpoint: string;
  readonly steps: number;
  readonly every: number;
  readonly kind: string;
  /** The command line into `out`, without --resume. */
  readonly argv: (out: string) => string[];
}

let data = '';
let root = '';
const trainers: Record<'tokenizer' | 'ar' | 'teacher', Trainer> = {} as never;
const reference: Record<string, string> = {};

before(async () => {
  await build({ entryPoints: [childScript], outfile: childBundle, bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node20', logLevel: 'warning' });
  data = await tinyIdxDir();
  root = await tempDir('kill');
  await writeFile(path.join(root, 'tok.json'), JSON.stringify(tokCfg));
  await writeFile(path.join(root, 'ar.json'), JSON.stringify(arCfg));
  await writeFile(path.join(root, 'teacher.json'), JSON.stringify(teacherCfg));
  trainers.tokenizer = {
    name: 'train-tokenizer', checkpoint: 'tokenizer.safetensors', steps: 24, every: 2, kind: 'detailflow-tokenizer',
    argv: (out) => ['train-tokenizer', '--config', path.join(root, 'tok.json'), '--data', data, '--out', out, '--backend', 'wasm', '--no-align', '--workers', '1'],
  };
  reference['train-tokenizer'] = path.join(root, 'tok-whole');
  await run(trainers.tokenizer.argv(reference['train-tokenizer']));
  const codes = path.join(root, 'codes.safetensors');
  await run(['extract-codes', '--tokenizer', path.join(reference['train-tokenizer'], 'tokenizer.safetensors'), '--data', data, '--out', codes, '--limit', '16', '--batch', '8', '--backend', 'wasm']);
  trainers.ar = {
    name: 'train-ar', checkpoint: 'ar.safetensors', steps: 24, every: 2, kind: 'detailflow-ar',
    argv: (out) => ['train-ar', '--codes', codes, '--config', path.join(root, 'ar.json'), '--out', out, '--backend', 'wasm', '--workers', '1'],
  };
  reference['train-ar'] = path.join(root, 'ar-whole');
  await run(trainers.ar.argv(reference['train-ar']));
  trainers.teacher = {
    name: 'train-teacher', checkpoint: 'teacher.safetensors', steps: 20, every: 20, kind: TEACHER_KIND,
    argv: (out) => ['train-teacher', '--config', path.join(root, 'teacher.json'), '--data', data, '--out', out, '--backend', 'wasm'],
  };
  reference['train-teacher'] = path.join(root, 'teacher-whole');
  await run(trainers.teacher.argv(reference['train-teacher']));
});

type Stage = 'temp-opened' | 'temp-written' | 'previous-kept' | 'renamed';
/**
 * When to kill a child: at a stage of its n-th save; or `ms` after its n-th save (n = 0: after it
 * starts) and at the latest when save `latest` begins (so no timing can let the run end); or never.
 */
type Plan =
  | { readonly at: 'stage'; readonly save: number; readonly stage: Stage }
  | { readonly at: 'after'; readonly save: number; readonly ms: number; readonly latest: number }
  | { readonly at: 'never' };

interface ChildResult { readonly killed: boolean; readonly code: number | null; readonly stderr: string; readonly renamed: number; readonly firstSaveMs?: number; readonly intervalMs?: number }

const runChild = (argv: string[], plan: Plan): Promise<ChildResult> => new Promise((resolve, reject) => {
  const started = performance.now();
  const env = { ...process.env, ...(plan.at === 'never' ? {} : { DETAILFLOW_TEST_SAVE_PAUSE_MS: String(PAUSE_MS) }) };
  const child = spawn(process.execPath, [childBundle, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let pending = '';
  let saves = 0;
  let renamed = 0;
  let lastRenamedAt = 0;
  let firstSaveMs: number | undefined;
  let intervalMs: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const kill = () => { child.kill('SIGKILL'); };
  const afterSave = (n: number) => {
    if (plan.at === 'after' && plan.save === n) timer = setTimeout(kill, plan.ms);
  };
  afterSave(0);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const m = /^detailflow-test: save (\S+)$/.exec(line);
      if (!m) continue;
      const stage = m[1] as Stage;
      const now = performance.now() - started;
      if (stage === 'temp-opened') {
        saves++;
        if (saves === 1) firstSaveMs = now;
        else if (intervalMs === undefined) intervalMs = now - lastRenamedAt;
      }
      if (stage === 'renamed') { renamed++; lastRenamedAt = now; afterSave(renamed); }
      if (plan.at === 'stage' && plan.save === saves && plan.stage === stage) kill();
      if (plan.at === 'after' && plan.latest === saves && stage === 'temp-opened') kill();
    }
  });
  child.on('error', reject);
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    resolve({ killed: signal === 'SIGKILL', code, stderr, renamed, ...(firstSaveMs === undefined ? {} : { firstSaveMs }), ...(intervalMs === undefined ? {} : { intervalMs }) });
  });
});

const stepIn = async (file: string, kind: string): Promise<number | undefined> => {
  const bytes = await readFile(file).then((b) => new Uint8Array(b), () => undefined);
  if (bytes === undefined) return undefined;
  const damage = checkpointDamage(bytes);
  assert.equal(damage, undefined, `${file} is ${damage?.kind} (${damage?.detail})`);
  const h = readCheckpointHeader(bytes, kind);
  assert.ok(E.isRight(h), `${file}: not a ${kind} checkpoint`);
  return (h.right.meta.state as { step: number }).step;
};

const temps = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((n) => temporaryFileOf(n) !== undefined);

/** Whether a child got past the run-directory check (which removes orphans) before it was killed. */
const startedUp = (stderr: string): boolean => /resuming|has no checkpoint yet|worker|^removed /m.test(stderr);

/** A child that started up removed exactly the orphans it found, and said so in one line; 1 when there were some. */
const checkCleaned = (stderr: string, found: readonly string[]): number => {
  const said = /^removed (\d+) temporary files? left by an interrupted save in .*$/m.exec(stderr);
  assert.equal(Number(said?.[1] ?? 0), found.length, `found ${found.join(', ') || 'no temporary file'}; said: ${said?.[0] ?? 'nothing'}`);
  return found.length > 0 ? 1 : 0;
};

/** --resume once the run has left anything behind (a child killed early may not have). */
const resumeFlag = async (t: Trainer, out: string): Promise<string[]> =>
  (await readdir(out).catch(() => [])).some((n) => n === 'log.jsonl' || n.startsWith(t.checkpoint)) ? ['--resume'] : [];

/**
 * Kills `t` `killsWanted` times at moments drawn from `seed`, resuming each time, then lets it finish.
 * Each child may complete at most enough saves that the run cannot end before the last kill.
 */
const killAndResume = async (t: Trainer, seed: number, killsWanted: number) => {
  const random = prng(seed);
  const out = path.join(root, `${t.name}-killed`);
  const file = path.join(out, t.checkpoint);
  const total = t.steps / t.every;
  let kills = 0;
  let insideSave = 0;
  let cleaned = 0;
  let firstSaveMs = 800;
  let intervalMs = 100;
  for (let cycle = 0; kills < killsWanted; cycle++) {
    assert.ok(cycle < 3 * killsWanted, `only ${kills} kills in ${cycle} runs`);
    const step = (await stepIn(file, t.kind)) ?? 0;
    const before = await temps(out).catch(() => []);
    const left = total - step / t.every; // saves this run still needs
    // at most `budget` saves may complete in this child, so that the last kill comes before the end
    const budget = Math.min(left - 1, Math.ceil((left - 1) / (killsWanted - kills)));
    const done = Math.floor(random() * (budget + 1));
    const u = random();
    const stages: Stage[] = ['temp-opened', 'temp-written', ...(step > 0 || done > 0 ? ['previous-kept' as const] : [])];
    const plan: Plan = done < budget && u < 0.15 ? { at: 'stage', save: done + 1, stage: 'renamed' }
      : u < 0.6 ? { at: 'stage', save: done + 1, stage: stages[Math.floor(random() * stages.length)]! }
      : { at: 'after', save: done, ms: random() * 0.8 * (done === 0 ? firstSaveMs : intervalMs), latest: budget + 1 };
    const r = await runChild([...t.argv(out), ...(await resumeFlag(t, out))], plan);
    assert.ok(r.killed, `${t.name} was to be killed (${JSON.stringify(plan)}) but exited ${r.code}:\n${r.stderr}`);
    kills++;
    if (r.firstSaveMs !== undefined) firstSaveMs = Math.min(firstSaveMs, r.firstSaveMs);
    if (r.intervalMs !== undefined) intervalMs = Math.min(intervalMs, r.intervalMs);
    // nothing lost: the checkpoint is whole and holds every save the child finished
    const now = (await stepIn(file, t.kind)) ?? 0;
    const saved = step + r.renamed * t.every;
    assert.ok(now === saved || now === saved + t.every, `after kill ${kills} (${JSON.stringify(plan)}): checkpoint at step ${now}, but saves reached ${saved}`);
    await stepIn(`${file}.prev`, t.kind);
    if ((await temps(out).catch(() => [])).length > 0) insideSave++;
    if (startedUp(r.stderr)) cleaned += checkCleaned(r.stderr, before);
  }
  const before = await temps(out);
  const last = await runChild([...t.argv(out), ...(await resumeFlag(t, out))], { at: 'never' });
  assert.equal(last.code, 0, last.stderr);
  cleaned += checkCleaned(last.stderr, before);
  return { out, insideSave, cleaned, kills };
};

const sameRun = async (t: Trainer, out: string) => {
  const whole = reference[t.name]!;
  const names = (await readdir(whole)).filter((n) => n !== 'log.jsonl').sort();
  assert.deepEqual((await readdir(out)).sort(), [...names, 'log.jsonl'].sort(), 'the same files, and no temporary one');
  for (const n of names) assert.ok((await readFile(path.join(out, n))).equals(await readFile(path.join(whole, n))), `${n} differs from the uninterrupted run's`);
  // every step logged once, in order, with the uninterrupted run's numbers
  assert.equal(await readFile(path.join(out, 'log.jsonl'), 'utf8'), await readFile(path.join(whole, 'log.jsonl'), 'utf8'));
};

describe('SIGKILL at random moments, then --resume', { concurrency: 2 }, () => {
  for (const [key, seed, kills] of [['tokenizer', 20, KILLS], ['ar', 21, KILLS], ['teacher', 22, KILLS]] as const) {
    test(`${key}: ${kills} kills, many inside a save; the finished run equals an uninterrupted one byte for byte`, async () => {
      const t = trainers[key];
      const r = await killAndResume(t, seed, kills);
      assert.ok(r.insideSave >= Math.ceil(kills / 6), `only ${r.insideSave} kills left a save's temporary file`);
      assert.ok(r.cleaned >= 1, 'no start found an orphaned temporary file to remove');
      await sameRun(t, r.out);
    });
  }
});

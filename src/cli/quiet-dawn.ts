/**
 * Dawn (WebGPU in Node, and inside ONNX Runtime's WebGPU EP) prints two limit clamps from native
 * code straight to file descriptor 2 on every adapter it creates over lavapipe:
 *   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 ...
 * They say nothing about this program, and no JavaScript in the process that loads Dawn can
 * filter them. So a command that loads Dawn on purpose (--backend webgpu or onnx-webgpu, doctor)
 * runs in a child process whose stderr passes through a filter that drops exactly those lines;
 * everything else, progress redraws included, passes at once. The default path never loads Dawn
 * in-process without a hardware adapter (node-webgpu.ts), so it needs no child.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { DAWN_HARMLESS_WARNING } from '../platform/node-webgpu.ts';
import { TTY_COLUMNS_ENV } from './progress.ts';

/** Set in the child, so it runs the command itself. */
const CHILD_ENV = 'DETAILFLOW_DAWN_FILTERED';

const DAWN_BACKENDS = new Set(['webgpu', 'onnx-webgpu']);

/** Whether this command line loads Dawn on purpose: a WebGPU backend named, or doctor (which probes it). */
export const loadsDawn = (argv: readonly string[]): boolean => {
  if (argv[0] === 'doctor') return true;
  return argv.some((a, i) => (a === '--backend' && DAWN_BACKENDS.has(argv[i + 1] ?? '')) || DAWN_BACKENDS.has(a.startsWith('--backend=') ? a.slice(10) : ''));
};

/**
 * A streaming filter of text chunks: complete lines that `drop` matches are removed; a partial
 * line is written at once unless it may still become such a line (it is a prefix of `starts`, or
 * starts with it), in which case it waits for its end.
 */
export const lineFilter = (drop: RegExp, starts: string, write: (text: string) => void) => {
  let held = '';
  return {
    push(chunk: string): void {
      let text = held + chunk;
      held = '';
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
        const line = text.slice(0, nl + 1);
        if (!drop.test(line)) write(line);
        text = text.slice(nl + 1);
      }
      if (text === '') return;
      if (starts.startsWith(text) || text.startsWith(starts)) held = text;
      else write(text);
    },
    end(): void {
      if (held !== '' && !drop.test(held)) write(held);
      held = '';
    },
  };
};

/** Runs this CLI invocation again in a child with Dawn's clamps filtered from its stderr; resolves to its exit code. */
export const runWithDawnFiltered = (argv: readonly string[]): Promise<number> => new Promise((resolve) => {
  const env: NodeJS.ProcessEnv = { ...process.env, [CHILD_ENV]: '1' };
  if (process.stderr.isTTY) env[TTY_COLUMNS_ENV] = String(process.stderr.columns || 80);
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], { stdio: ['inherit', 'inherit', 'pipe'], env });
  const filter = lineFilter(DAWN_HARMLESS_WARNING, 'Warning: maxDynamic', (t) => void process.stderr.write(t));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (t: string) => filter.push(t));
  // Ctrl-C reaches the child from the terminal itself; a SIGTERM sent to this process is passed on
  const forward = () => child.kill('SIGTERM');
  const ignore = () => {};
  process.on('SIGTERM', forward);
  process.on('SIGINT', ignore);
  child.on('close', (code, signal) => {
    filter.end();
    process.off('SIGTERM', forward);
    process.off('SIGINT', ignore);
    // a child killed by a signal exits as a shell reports it: 128 + the signal's number
    resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
  });
});

/** Whether main should hand this invocation to runWithDawnFiltered: Dawn is wanted, and this is not already the child. */
export const wantsDawnFilter = (argv: readonly string[]): boolean =>
  process.env[CHILD_ENV] === undefined && process.argv[1] !== undefined
  && (loadsDawn(argv) || DAWN_BACKENDS.has(process.env.DETAILFLOW_BACKEND ?? ''));

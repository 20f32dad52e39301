import * as E from 'fp-ts/lib/Either.js';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { backendNames, defaultBackend, parseBackendName, type BackendName } from '../../compile/backend.ts';
import { doctor } from '../../diagnostics/doctor.ts';
import { installNodeWebGPU } from '../../platform/node-webgpu.ts';
import { installOnnxRuntime } from '../../platform/onnx-node.ts';

const usage = `detailflow doctor [--backend B] [--json]

Reports which backends initialise on this machine (with the WebGPU adapter's name), runs one
small transformer block forward and backward on each, and prints the largest difference from
the cpu backend. --backend limits the check to one backend (plus the cpu reference).
Exit code 0 when every checked backend works, 1 otherwise.`;

// float32 kernels on different backends differ in the last bits; more than this is a real disagreement
const TOLERANCE = 1e-3;

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check which backends work here and agree with the cpu reference',
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv, { backend: 'string', json: 'boolean' });
    if (E.isLeft(flags)) {
      io.err(`detailflow doctor: ${flags.left.join('; ')}`);
      return 2;
    }
    let only: BackendName | undefined;
    try {
      only = flags.right.backend === undefined ? undefined : parseBackendName(flags.right.backend);
    } catch (e) {
      io.err(`detailflow doctor: ${(e as Error).message}`);
      return 2;
    }
    const webgpu = await installNodeWebGPU();
    const ort = await installOnnxRuntime();
    const reports = await doctor(only ? [only] : backendNames, webgpu, ort);
    const chosen = await defaultBackend().catch(() => 'wasm');
    const healthy = reports.every((r) => r.ok && (r.maxAbsDiff ?? 0) <= TOLERANCE);
    if (flags.right.json) {
      io.out(JSON.stringify({ backends: reports, default: chosen, tolerance: TOLERANCE }));
      return healthy ? 0 : 1;
    }
    io.out('detailflow doctor: one transformer block (width 32, 4 heads, batch 2 x 8 tokens), forward and backward');
    for (const r of reports) {
      if (!r.ok) io.out(`  ${r.name.padEnd(11)} FAILED  ${r.error}`);
      else {
        const diff = r.maxAbsDiff === undefined ? '' : `max |diff| vs cpu ${r.maxAbsDiff.toExponential(2)}${r.maxAbsDiff > TOLERANCE ? ' (TOO LARGE)' : ''}`;
        io.out(`  ${r.name.padEnd(11)} ok      ${diff}  ${r.ms?.toFixed(1)} ms${r.adapter ? `  adapter: ${r.adapter}` : ''}${r.runtime ? `  runtime: ${r.runtime}` : ''}`);
      }
    }
    io.out(`default backend here: ${chosen} (override with --backend or DETAILFLOW_BACKEND)`);
    return healthy ? 0 : 1;
  },
};

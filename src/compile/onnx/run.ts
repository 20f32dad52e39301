import type { DType } from '../../ir/dtype.ts';
import { GraphError } from '../../ir/errors.ts';
import type { HostArray } from '../../ir/host-array.ts';
import { describeNode } from '../../ir/print.ts';
import type { OnnxBackendName, Prim } from '../../primitives/attrs.ts';
import type { HostValue, OnHost } from '../../primitives/onnx.ts';
import type { PrimitiveDef } from '../../primitives/primitive.ts';
import { registry } from '../../primitives/registry.ts';
import type { Key } from '../../random/key.ts';
import type { DeviceBuffer } from '../device-array.ts';
import type { Plan } from '../plan.ts';
import { onnxEngine, providerOf, type OnnxEngine, type OnnxSession } from './engine.ts';
import { buildOnnxProgram, type OnnxProgram } from './model.ts';

/** One input signature of one compiled function on ONNX Runtime: its model and its session. */
export interface PreparedOnnx {
  readonly program: OnnxProgram;
  readonly session: OnnxSession;
  readonly engine: OnnxEngine;
  readonly backend: OnnxBackendName;
  /** Time to build the model and create the session. */
  readonly ms: number;
}

const FALLBACK = 'use --backend wasm (or compile({ backend: \'wasm\' })) instead';

export const requireOnnxEngine = (backend: OnnxBackendName = 'onnx-cpu'): OnnxEngine => {
  const e = onnxEngine();
  if (!e) {
    throw new GraphError('backend', backend, `ONNX Runtime is not installed in this process: in Node call installOnnxRuntime() from detailflow/node first (the CLI does); otherwise ${FALLBACK}`);
  }
  return e;
};

/** ONNX Runtime's message, with the primitive and node behind the ONNX node it names. */
const explain = (e: unknown, p: OnnxProgram, when: string, backend: OnnxBackendName): GraphError => {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /([A-Za-z]+)#(\d+)\.\d+/.exec(msg);
  const node = m ? p.nodeOfSlot.get(Number(m[2])) : undefined;
  const where = node ? ` in the lowering of ${describeNode(node)}` : '';
  return new GraphError('backend', node?.op ?? backend, `ONNX Runtime (${backend}) refused the graph ${when}${where}: ${msg.split('\n')[0]}; ${FALLBACK}`);
};

export const prepareOnnx = async (
  plan: Plan, argAvals: readonly { readonly shape: readonly number[]; readonly dtype: DType }[], name?: string, backend: OnnxBackendName = 'onnx-cpu',
): Promise<PreparedOnnx> => {
  const engine = requireOnnxEngine(backend);
  const t0 = performance.now();
  const program = buildOnnxProgram(plan, argAvals, name);
  let session: OnnxSession;
  try {
    session = await engine.createSession(program.model, providerOf(backend));
  } catch (e) {
    throw explain(e, program, 'at session creation', backend);
  }
  return { program, session, engine, backend, ms: performance.now() - t0 };
};

/**
 * Runs a prepared model. `args` are the compiled function's flattened arguments: keys, or
 * buffers of this engine (the caller uploads host arrays). Host steps (keys, random draws) are
 * evaluated first and fed; the outputs are new buffers the caller owns.
 */
export const runOnnx = async (p: PreparedOnnx, args: readonly (Key | DeviceBuffer)[]): Promise<DeviceBuffer[]> => {
  const host = new Map<number, HostValue>();
  for (const { arg, slot } of p.program.keyArgs) host.set(slot, args[arg] as Key);
  for (const s of p.program.hostSteps) {
    const rule = (registry[s.node.op] as PrimitiveDef<Prim>).onnx as OnHost<Prim>;
    host.set(s.slot, rule.host(s.args.map((a) => host.get(a) as HostValue), s.node.attrs as never, s.node));
  }
  const made: DeviceBuffer[] = [];
  const feeds: Record<string, DeviceBuffer> = {};
  try {
    for (const input of p.program.inputs) {
      if ('arg' in input.from) feeds[input.name] = args[input.from.arg] as DeviceBuffer;
      else {
        const b = p.engine.upload(host.get(input.from.host) as HostArray);
        made.push(b);
        feeds[input.name] = b;
      }
    }
    try {
      return await p.session.run(feeds, p.program.outputs.map((o) => o.name));
    } catch (e) {
      throw explain(e, p.program, 'while running', p.backend);
    }
  } finally {
    made.forEach((b) => b.free());
  }
};

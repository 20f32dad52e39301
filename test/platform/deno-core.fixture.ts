// Run by test/platform/deno.test.ts under Deno: the same library code, unbundled, on Deno's own WebGPU.
import * as o from '../../src/ops/index.ts';
import { compile, toHost } from '../../src/compile/compile.ts';
import { valueAndGrad } from '../../src/transforms/grad.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import type { BackendName } from '../../src/compile/backend.ts';

export const probe = async (backend: BackendName) => {
  const f = compile((w: o.Tensor, x: o.Tensor, k: o.Tensor) => {
    const [loss, grad] = valueAndGrad((p: o.Tensor) => o.mean(o.square(o.gelu(o.matmul(x, p)))))(w);
    return { loss, grad, noise: o.normal(k, [3]) };
  }, { backend });
  const out = await f.run(hostArray(Float32Array.from([0.1, -0.2, 0.3, 0.4]), [2, 2]), hostArray(Float32Array.from([1, 2, 3, 4]), [2, 2]), keyFromSeed(3));
  return JSON.parse(JSON.stringify(await toHost(out), (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v)));
};

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
if (deno) console.log(JSON.stringify(await probe((deno.args[0] ?? 'wasm') as BackendName)));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { specs } from './specs.ts';
import { adjointCheck } from '../helpers/adjoint.ts';
import { ready } from '../helpers/backends.ts';

// For every differentiable primitive: the VJP agrees with central differences and is linear, on
// the cpu reference and as one ONNX model on ONNX Runtime's CPU engine and its WebGPU EP (forward,
// VJP and the check in one graph). The WebGPU EP runs on lavapipe here, where each new session
// compiles its shaders, so it checks fewer draws.
for (const backend of ['cpu', 'onnx-cpu', 'onnx-webgpu'] as const) {
for (const [name, spec] of Object.entries(specs)) {
  if (spec.diff.length === 0) continue;
  test(`vjp of ${name} agrees with finite differences and is linear${backend === 'cpu' ? '' : ` on ${backend}`}`, async () => {
    await ready(backend);
    await fc.assert(fc.asyncProperty(spec.gen, fc.nat(1000), async ({ inputs, statics }, seed) => {
      const r = await adjointCheck((xs) => spec.apply(xs, statics), inputs, spec.diff, seed, backend);
      const tol = (spec.tol ?? 2e-2) * (1 + Math.abs(r.jtv) + Math.abs(r.fd));
      assert.ok(Math.abs(r.jtv - r.fd) <= tol, `<u, J^T v> = ${r.jtv} but finite differences give ${r.fd}`);
      assert.ok(r.linearityGap <= 1e-4 * r.scale, `VJP not linear in the cotangent (gap ${r.linearityGap})`);
    }), { numRuns: backend === 'onnx-webgpu' ? 4 : 12 });
  });
}
}

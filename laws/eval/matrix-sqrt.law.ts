import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matmulSquare, sqrtPsd, traceSqrtProduct } from '../../src/eval/matrix-sqrt.ts';
import { symmetricEigen } from '../../src/eval/symmetric-eigen.ts';
import { frobenius, spdArb } from './arbitraries.ts';

const sized = <T>(f: (n: number) => fc.Arbitrary<T>) => fc.integer({ min: 1, max: 10 }).chain((n) => f(n).map((x) => [n, x] as const));

test('symmetricEigen: V diag(l) V^T rebuilds the matrix and V is orthogonal', () => {
  fc.assert(fc.property(sized((n) => spdArb(n, 0)), ([n, a]) => {
    const { values, vectors: v } = symmetricEigen(a, n);
    const rebuilt = new Float64Array(n * n);
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) {
      rebuilt[i * n + j] += v[i * n + k]! * values[k]! * v[j * n + k]!;
      gram[i * n + j] += v[k * n + i]! * v[k * n + j]!;
    }
    const scale = frobenius(a) + 1;
    assert.ok(frobenius(rebuilt.map((x, i) => x - a[i]!)) <= 1e-12 * scale, 'A != V diag(l) V^T');
    assert.ok(frobenius(gram.map((x, i) => x - (i % (n + 1) === 0 ? 1 : 0))) <= 1e-12 * n, 'V^T V != I');
  }));
});

test('sqrtPsd: S S = A for random SPD matrices, and S is symmetric with non-negative eigenvalues', () => {
  fc.assert(fc.property(sized((n) => spdArb(n)), ([n, a]) => {
    const s = sqrtPsd(a, n);
    const ss = matmulSquare(s, s, n);
    assert.ok(frobenius(ss.map((x, i) => x - a[i]!)) <= 1e-10 * (frobenius(a) + 1), 'S S != A');
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(s[i * n + j], s[j * n + i]);
    assert.ok(symmetricEigen(s, n).values.every((l) => l >= -1e-9 * (frobenius(s) + 1)));
  }));
});

test('sqrtPsd of a diagonal matrix takes square roots on the diagonal; a tiny negative eigenvalue is clamped to 0', () => {
  fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 8 }), (d) => {
    const n = d.length;
    const a = new Float64Array(n * n);
    d.forEach((v, i) => { a[i * n + i] = v; });
    a[0] = -1e-14;
    const s = sqrtPsd(a, n);
    d.forEach((v, i) => assert.ok(Math.abs(s[i * n + i]! - (i === 0 ? 0 : Math.sqrt(v))) <= 1e-12 * (1 + Math.sqrt(v)), `diagonal ${i}`));
  }));
});

test('traceSqrtProduct(A, A) = tr A and it is symmetric in its arguments', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(fc.constant(n), spdArb(n), spdArb(n))), ([n, a, b]) => {
    let tr = 0;
    for (let i = 0; i < n; i++) tr += a[i * n + i]!;
    assert.ok(Math.abs(traceSqrtProduct(a, a, n) - tr) <= 1e-9 * (1 + tr));
    const [ab, ba] = [traceSqrtProduct(a, b, n), traceSqrtProduct(b, a, n)];
    assert.ok(Math.abs(ab - ba) <= 1e-8 * (1 + Math.abs(ab)), `${ab} vs ${ba}`);
  }));
});

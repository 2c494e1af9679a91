/**
 * The relaxed-SIMD matmul variant (fused multiply-add micro-kernels), chosen by feature detection.
 * Node 20 has relaxed SIMD only behind --experimental-wasm-relaxed-simd, so the comparison of the
 * two variants runs in a child process with that flag (test/browser/relaxed-simd.test.ts runs the
 * same check in Chromium, which has it by default); this process, without the flag, must keep the
 * plain kernels silently.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { matmulModuleBytes } from '../src/kernels/wasm/matmul-module.js';
import { expectRelaxedWithinBound, type Comparison } from '../../../test/browser/relaxed-simd-expect.js';
import { relaxedSimdAvailable, relaxedSimdInUse, setRelaxedSimd, supportsRelaxedSimd, type WasmApi } from '../src/kernels/wasm/runtime.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs test/browser/pages/relaxed-simd-check.js on the built package in a child node with `flags`. */
function compareInChild(flags: string[], env: Record<string, string> = {}): Comparison {
  const script = `
    import * as autograd from './packages/autograd/dist/index.js';
    import * as wasm from './packages/autograd/dist/wasm.js';
    import { compareVariants } from './test/browser/pages/relaxed-simd-check.js';
    console.log(JSON.stringify(await compareVariants(autograd, wasm)));`;
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NN_')));
  const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...cleanEnv, ...env } });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Comparison;
}

describe('relaxed-SIMD matmul kernels', () => {
  test('the relaxed module is smaller than the 4 KiB browsers compile synchronously, and differs from the plain one', () => {
    const relaxed = matmulModuleBytes(undefined, { relaxed: true });
    const plain = matmulModuleBytes();
    expect(relaxed.length).toBeLessThan(4096);
    expect(Buffer.from(relaxed).equals(Buffer.from(plain))).toBe(false);
  });

  test('with the engine flag: detected, used, and within the fused-rounding bound of the plain kernels (float32, float64)', () => {
    expectRelaxedWithinBound(compareInChild(['--experimental-wasm-relaxed-simd']));
  });

  test('NN_RELAXED_SIMD=0 keeps the plain kernels even where the engine has relaxed SIMD; a bad value is an error naming it', () => {
    // setRelaxedSimd(true) in the check re-allows it, so look at what the environment alone gives.
    const script = "import * as wasm from './packages/autograd/dist/wasm.js'; console.log(wasm.relaxedSimdAvailable(), wasm.relaxedSimdInUse());";
    const run = (value: string) =>
      execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, NN_RELAXED_SIMD: value }, stdio: 'pipe' }).trim();
    expect(run('0')).toBe('true false');
    expect(run('1')).toBe('true true');
    expect(() => run('yes')).toThrow(/NN_RELAXED_SIMD: expected 0 or 1, got "yes"/);
  });

  test('without the flag (plain Node 20): not available, the plain kernels, silently', () => {
    const result = compareInChild([]);
    expect(result.available).toBe(false);
    for (const c of result.cases) {
      expect(c.relaxedInUse).toBe(false);
      expect(c.worstOverBound).toBe(0); // the same kernel both times: bit for bit
    }
    // In this process too; asking for relaxed SIMD where it is missing changes nothing.
    const probeSays = supportsRelaxedSimd((globalThis as { WebAssembly?: WasmApi }).WebAssembly);
    expect(relaxedSimdAvailable()).toBe(probeSays);
    setRelaxedSimd(true);
    expect(relaxedSimdInUse()).toBe(probeSays);
  });

  test('detection: no API, or an API that cannot validate, means no relaxed SIMD', () => {
    expect(supportsRelaxedSimd(undefined)).toBe(false);
    const refusing = { validate: () => false } as unknown as WasmApi;
    expect(supportsRelaxedSimd(refusing)).toBe(false);
    const throwing = { validate: () => { throw new Error('no'); } } as unknown as WasmApi;
    expect(supportsRelaxedSimd(throwing)).toBe(false);
  });

  test('setRelaxedSimd rejects what is not a boolean, naming the value', () => {
    expect(() => setRelaxedSimd('no' as unknown as boolean)).toThrow(/setRelaxedSimd: expected true or false, got no/);
  });
});

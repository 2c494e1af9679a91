/**
 * The backend setting: forcing 'js' or 'wasm' changes which kernels run, never the results beyond
 * rounding, and bad settings are refused with a clear error.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { getBackend, matmul, rand, setBackend, Generator, type BackendSetting, type DType } from '../src/index.js';

const initial = getBackend();
afterEach(() => setBackend(initial));

describe('setBackend', () => {
  test('reads back what was set', () => {
    for (const backend of ['js', 'wasm', 'auto'] as const) {
      setBackend(backend);
      expect(getBackend()).toBe(backend);
    }
  });

  test('refuses an unknown backend, naming it and the known ones', () => {
    expect(() => setBackend('gpu' as BackendSetting)).toThrow('setBackend: unknown backend "gpu" (known: js, wasm, auto)');
    expect(getBackend()).toBe(initial);
  });

  test('NN_BACKEND picks the setting at import, and a bad value is an error naming it', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const run = (value: string): string =>
      execFileSync(process.execPath, ['--input-type=module', '-e', "import { getBackend } from '@nn/autograd'; console.log(getBackend());"], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NN_BACKEND: value },
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    expect(run('js')).toBe('js');
    expect(run('wasm')).toBe('wasm');
    expect(run('')).toBe('auto');
    expect(() => run('fast')).toThrow(/NN_BACKEND: unknown backend "fast" \(known: js, wasm, auto\)/);
  });
});

describe('both backends compute the same products', () => {
  // Sizes on both sides of the 'auto' crossover, and awkward ones that leave partial tiles.
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 7, 5], [8, 8, 8], [17, 63, 65], [64, 300, 1], [127, 33, 257]];
  test.each(shapes.flatMap((shape) => (['float32', 'float64'] as DType[]).map((dtype) => [...shape, dtype] as const)))(
    'matmul %i x %i x %i in %s, plain and transposed',
    (m, k, n, dtype) => {
      const rng = new Generator(m * 1000 + k * 10 + n);
      const a = rand([m, k], { dtype, rng });
      const b = rand([n, k], { dtype, rng }).transpose(0, 1);
      const product = (backend: BackendSetting): Float32Array | Float64Array | Int32Array => {
        setBackend(backend);
        return matmul(a, b).data();
      };
      const js = product('js');
      const wasm = product('wasm');
      const auto = product('auto');
      // float32 sums round at every step in WebAssembly (as BLAS does) and once at the end in JS.
      const tolerance = dtype === 'float32' ? 1e-5 * k : 1e-13 * k;
      let largestDifference = 0;
      let autoMatchesOne = true;
      for (let i = 0; i < js.length; i++) {
        largestDifference = Math.max(largestDifference, Math.abs(wasm[i]! - js[i]!));
        autoMatchesOne &&= auto[i] === js[i] || auto[i] === wasm[i];
      }
      expect(largestDifference).toBeLessThanOrEqual(tolerance);
      expect(autoMatchesOne, "'auto' gives one backend's result").toBe(true);
    },
  );
});

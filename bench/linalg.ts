/**
 * The linalg part of the bench: @nn/linalg against PyTorch (LAPACK) on one thread, float64, on the
 * same kinds of matrices (bench/reference/linalg.py times PyTorch, run here through /usr/bin/python3
 * when it has torch). The cases are a list: a case is a name, the sizes, how to make its inputs and
 * the work timed, and the goal ratio of the issue. Our side runs on one thread, on the JS backend and
 * on the default one ('auto': the blocked updates' matmuls go to WebAssembly where that pays); each
 * case's PyTorch figure is taken right after ours, so both see about the same load on a shared machine.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Generator, eye, getBackend, matmul, randn, setBackend, transpose, type Tensor } from '@nn/autograd';
import { cholesky, eigh, solve } from '@nn/linalg';
import { medianMillis } from './measure.js';

interface LinalgCase {
  /** The name bench/reference/linalg.py knows it by. */
  name: string;
  sizes: readonly number[];
  make: (n: number, rng: Generator) => Tensor[];
  run: (...inputs: Tensor[]) => unknown;
  /** The goal: at most this many times PyTorch's time. */
  goal: number;
}

/** X X^T / n + I: symmetric positive-definite with eigenvalues in about [1, 5]. */
function spd(n: number, rng: Generator): Tensor {
  const x = randn([n, n], { dtype: 'float64', rng });
  return matmul(x, transpose(x, 0, 1)).div(n).add(eye(n, { dtype: 'float64' }));
}

export const LINALG_CASES: LinalgCase[] = [
  { name: 'cholesky', sizes: [256, 512], make: (n, rng) => [spd(n, rng)], run: (a) => cholesky(a!), goal: 3 },
  {
    name: 'solve',
    sizes: [256, 512],
    make: (n, rng) => [randn([n, n], { dtype: 'float64', rng }), randn([n], { dtype: 'float64', rng })],
    run: (a, b) => solve(a!, b!),
    goal: 3,
  },
  // Eigenvalues and eigenvectors (PyTorch: LAPACK's dsyevd, divide and conquer); ours: blocked reduction, QL values, inverse-iteration vectors, reflectors applied by matmul.
  { name: 'eigh', sizes: [256, 512], make: (n, rng) => [spd(n, rng)], run: (a) => eigh(a!), goal: 5 },
];

/** PyTorch's medians by 'name:n', or null (with the reason) when /usr/bin/python3 has no torch. */
function pytorchTimes(keys: readonly string[]): { version: string; blas: string; cases: Record<string, number> } | string {
  const script = fileURLToPath(new URL('../../bench/reference/linalg.py', import.meta.url));
  try {
    const out = execFileSync('/usr/bin/python3', [script, ...keys], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    const parsed = JSON.parse(out) as { torch: string; blas: string; cases: Record<string, number> };
    return { version: parsed.torch, blas: parsed.blas, cases: parsed.cases };
  } catch (error) {
    return `PyTorch not run (${(error as Error).message.split('\n')[0]})`;
  }
}

/** The rows of the linalg table, header first, and a note naming the PyTorch run. */
export function benchLinalg(quick: boolean): { rows: string[][]; note: string } {
  const minMillis = quick ? 200 : 1500;
  const rows = [['float64, one thread', '@nn js', "@nn 'auto' (default)", 'PyTorch (LAPACK)', 'ratio (best @nn / PyTorch)', 'goal']];
  const before = getBackend();
  let version = '';
  let blas = '';
  let failure = '';
  for (const c of LINALG_CASES) {
    for (const n of quick ? c.sizes.slice(0, 1) : c.sizes) {
      const inputs = c.make(n, new Generator(n));
      const time = (backend: 'js' | 'auto'): number => {
        setBackend(backend);
        return medianMillis(() => void c.run(...inputs), { minMillis, minRuns: 3 });
      };
      const js = time('js');
      const auto = time('auto');
      const torch = pytorchTimes([`${c.name}:${n}`]);
      const theirs = typeof torch === 'string' ? undefined : torch.cases[`${c.name}:${n}`];
      if (typeof torch === 'string') failure = torch;
      else ({ version, blas } = torch);
      rows.push([
        `${c.name} n=${n}`,
        `${js.toFixed(2)} ms`,
        `${auto.toFixed(2)} ms`,
        theirs === undefined ? 'not run' : `${theirs.toFixed(2)} ms`,
        theirs === undefined ? '' : `${(Math.min(js, auto) / theirs).toFixed(2)}x`,
        `within ${c.goal}x`,
      ]);
    }
  }
  setBackend(before);
  const note = failure !== '' ? failure : `PyTorch ${version} with torch.set_num_threads(1) (${blas}), timed right after each of our rows; medians. A ratio below 1x means @nn is faster.`;
  return { rows, note };
}

/**
 * eigh against PyTorch (LAPACK's dsyevd, one thread), float64, n = 256 and 512 (issue 19's goal:
 * within 5x). @nn's eigh runs its kernels in JavaScript whatever the backend, on one thread; PyTorch
 * runs bench/reference/linalg_eigh.py in a child process right after, when /usr/bin/python3 has it,
 * so both see the same load of the machine.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Generator, rand } from '@nn/autograd';
import { eigh } from '@nn/linalg';
import { medianMillis } from './measure.js';

const SIZES = [256, 512];

/** PyTorch's medians by size, or the reason there are none. */
function pytorchMillis(sizes: readonly number[]): { ms: Record<string, number>; version: string } | string {
  const script = fileURLToPath(new URL('../../bench/reference/linalg_eigh.py', import.meta.url));
  try {
    const out = execFileSync('/usr/bin/python3', [script, ...sizes.map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    const parsed = JSON.parse(out.trim().split('\n').at(-1)!) as { torch: string; ms: Record<string, number> };
    return { ms: parsed.ms, version: parsed.torch };
  } catch (error) {
    return `PyTorch not run (${(error as Error).message.split('\n')[0]})`;
  }
}

/** The rows of the eigh table, header first. */
export function benchEigh(quick: boolean): string[][] {
  const sizes = quick ? [64, 128] : SIZES;
  const ours = sizes.map((n) => {
    const b = rand([n, n], { dtype: 'float64', rng: new Generator(n) }).mul(2).sub(1);
    const a = b.add(b.transpose(0, 1));
    return medianMillis(() => void eigh(a), { minRuns: quick ? 3 : 5, minMillis: quick ? 200 : 3000, warmUp: 1 });
  });
  const reference = pytorchMillis(sizes);
  const header = typeof reference === 'string' ? 'PyTorch' : `PyTorch ${reference.version} (1 thread)`;
  const rows = [['eigh, float64, eigenvalues and eigenvectors', '@nn (1 thread)', header, 'ratio']];
  sizes.forEach((n, i) => {
    const torchMs = typeof reference === 'string' ? undefined : reference.ms[String(n)];
    rows.push([
      `n = ${n}`,
      `${ours[i]!.toFixed(1)} ms`,
      torchMs === undefined ? String(reference) : `${torchMs.toFixed(1)} ms`,
      torchMs === undefined ? '' : `${(ours[i]! / torchMs).toFixed(2)}x`,
    ]);
  });
  return rows;
}

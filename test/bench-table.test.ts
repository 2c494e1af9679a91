/**
 * The benchmark table compares thread for thread (@nn's best one-thread figure against TensorFlow.js
 * on one thread; the two-thread figure gets no ratio), and docs/benchmarks.md leads with that table
 * as the bench prints it, under a line naming the run. The other guides quote no timings of their own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { configurationsFor, headerRow, resultRow } from '../bench/table.js';

const configurations = configurationsFor(2);
const ms = (value: number) => ({ value, text: `${value} ms` });
const gflops = (value: number) => ({ value, text: `${value} GFLOPS` });

describe('bench table', () => {
  test('ratios take the best one-thread figure, never the two-thread one', () => {
    const row = resultRow('step', configurations, [ms(10), ms(5), ms(2)], { cpu: ms(40), wasm: ms(10) }, false);
    expect(row).toEqual(['step', '10 ms', '5 ms', '2 ms', '40 ms', '10 ms', '8.00x', '2.00x']);
    const faster = resultRow('matmul', configurations, [gflops(3), gflops(30), gflops(60)], { cpu: gflops(0.6), wasm: gflops(20) }, true);
    expect(faster.slice(-2)).toEqual(['50.00x', '1.50x']);
  });

  test('a workload with no kernel beyond js shows "same as js" and compares the js figure; a missing peer has no ratio', () => {
    const row = resultRow('scalar', configurations, [ms(6), null, null], { cpu: '', wasm: 'no float64' }, false);
    expect(row).toEqual(['scalar', '6 ms', 'same as js', 'same as js', '', 'no float64', '', '']);
  });

  test('the header names the threads of every column', () => {
    expect(headerRow(configurations)).toEqual([
      'workload', '@nn js, 1 thread', '@nn wasm, 1 thread', '@nn wasm, 2 threads',
      'tfjs cpu, 1 thread', 'tfjs wasm, 1 thread', '@nn 1 thread vs tfjs cpu', '@nn 1 thread vs tfjs wasm',
    ]);
    expect(headerRow(configurationsFor(1))).not.toContain('@nn wasm, 2 threads');
  });

  test('docs/benchmarks.md leads with the table the bench prints, under the line naming its run', () => {
    const doc = readFileSync(fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url)), 'utf8').split('\n');
    const firstTable = doc.findIndex((line) => line.startsWith('|'));
    const runLine = doc.slice(0, firstTable).reverse().find((line) => line.trim() !== '') ?? '';
    expect(runLine).toMatch(/^\*\*Run:\*\* .*commit \S+.*`npm run bench`.*, (\d+) cores\./);
    const cores = Number(/, (\d+) cores\./.exec(runLine)![1]);
    const cells = (line: string): string[] => line.split('|').slice(1, -1).map((cell) => cell.trim());
    expect(cells(doc[firstTable]!)).toEqual(headerRow(configurationsFor(cores)));
  });

  test('timings are quoted only in benchmarks.md (from npm run bench) and performance.md (the kernels notes)', () => {
    const docs = fileURLToPath(new URL('../docs/', import.meta.url));
    const timing = /\b\d+(\.\d+)?\s?(ns|us|µs|ms)\b(?!\/step)|GFLOPS/;
    const quoted = readdirSync(docs)
      .filter((f) => f.endsWith('.md') && f !== 'benchmarks.md' && f !== 'performance.md')
      .flatMap((f) => readFileSync(docs + f, 'utf8').split('\n').map((line, i) => [`docs/${f}:${i + 1}`, line] as const))
      .filter(([, line]) => timing.test(line))
      .map(([where, line]) => `${where}: ${line.trim()}`);
    expect(quoted).toEqual([]);
  });
});

/** Timing helpers for the benchmark suite: medians over repeated runs, after a warm-up. */

/** The median of `fn`'s wall time in milliseconds, over at least `minRuns` runs and `minMillis` in total. */
export function medianMillis(fn: () => void, { minRuns = 5, minMillis = 1000, warmUp = 2 } = {}): number {
  for (let i = 0; i < warmUp; i++) fn();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < minRuns || performance.now() - started < minMillis) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    if (times.length >= 1000) break;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Formats a table with a header row, padding each column to its widest cell. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]): string => `| ${row.map((cell, col) => cell.padEnd(widths[col]!)).join(' | ')} |`;
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}

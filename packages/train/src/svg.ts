/**
 * A small SVG line-chart writer (no dependency): enough for training curves. `lineChart` draws
 * series on shared axes with ticks, labels and a legend; `plotHistory` draws a `fit` history as
 * two panels, the loss and the metrics, train and validation.
 */
import { checkOptions } from '@nn/autograd';
import type { History } from './history.js';

export interface Series {
  label: string;
  /** y values at x = 1, 2, ... (epochs), or [x, y] points. */
  values: readonly number[] | readonly (readonly [number, number])[];
  /** A CSS colour (default: from a palette). */
  color?: string;
  /** Draw dashed (e.g. validation curves). */
  dashed?: boolean;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Force the y range (default: the data's, padded). */
  yMin?: number;
  yMax?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (value: number): string => String(Number(value.toFixed(2)));

function points(series: Series): [number, number][] {
  return (series.values as readonly (number | readonly [number, number])[])
    .map((v, i): [number, number] => (typeof v === 'number' ? [i + 1, v] : [v[0], v[1]]))
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
}

/** About `count` round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** One chart as an SVG fragment placed at (left, top); `standalone` wraps it in an <svg> document. */
function chartBody(series: readonly Series[], opts: ChartOptions, left: number, top: number): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 400;
  const margin = { left: 70, right: 20, top: 40, bottom: 55 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = series.flatMap(points);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = xs.length > 0 ? Math.min(...xs) : 0;
  const xMax = xs.length > 0 ? Math.max(...xs, xMin + 1) : 1;
  let yMin = opts.yMin ?? (ys.length > 0 ? Math.min(...ys) : 0);
  let yMax = opts.yMax ?? (ys.length > 0 ? Math.max(...ys) : 1);
  if (yMax === yMin) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = opts.yMin === undefined && opts.yMax === undefined ? (yMax - yMin) * 0.05 : 0;
  yMin -= pad;
  yMax += pad;
  const sx = (x: number): number => left + margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number): number => top + margin.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [];
  parts.push(`<rect x="${left + margin.left}" y="${top + margin.top}" width="${plotW}" height="${plotH}" fill="white" stroke="#333"/>`);
  for (const t of ticks(yMin, yMax)) {
    parts.push(`<line x1="${num(sx(xMin))}" y1="${num(sy(t))}" x2="${num(sx(xMax))}" y2="${num(sy(t))}" stroke="#ddd"/>`);
    parts.push(`<text x="${num(left + margin.left - 8)}" y="${num(sy(t) + 4)}" text-anchor="end" font-size="12">${t}</text>`);
  }
  for (const t of ticks(xMin, xMax, 8)) {
    parts.push(`<line x1="${num(sx(t))}" y1="${num(top + margin.top + plotH)}" x2="${num(sx(t))}" y2="${num(top + margin.top + plotH + 5)}" stroke="#333"/>`);
    parts.push(`<text x="${num(sx(t))}" y="${num(top + margin.top + plotH + 20)}" text-anchor="middle" font-size="12">${t}</text>`);
  }
  if (opts.title !== undefined) parts.push(`<text x="${num(left + width / 2)}" y="${top + 24}" text-anchor="middle" font-size="16" font-weight="bold">${escape(opts.title)}</text>`);
  if (opts.xLabel !== undefined) parts.push(`<text x="${num(left + margin.left + plotW / 2)}" y="${top + height - 12}" text-anchor="middle" font-size="13">${escape(opts.xLabel)}</text>`);
  if (opts.yLabel !== undefined) {
    const cy = top + margin.top + plotH / 2;
    parts.push(`<text x="${left + 18}" y="${num(cy)}" text-anchor="middle" font-size="13" transform="rotate(-90 ${left + 18} ${num(cy)})">${escape(opts.yLabel)}</text>`);
  }
  const colorOf = (s: Series, i: number): string => s.color ?? PALETTE[i % PALETTE.length]!;
  const dash = (s: Series): string => (s.dashed ? ' stroke-dasharray="6 4"' : '');
  series.forEach((s, i) => {
    const path = points(s).map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colorOf(s, i)}" stroke-width="2"${dash(s)} points="${path}"/>`);
  });
  if (series.length > 0) parts.push(legend(series, colorOf, dash, { left: left + margin.left, top: top + margin.top, width: plotW, height: plotH }, { yMin, yMax }));
  return parts.join('\n');
}

/**
 * The legend: a sample line and the label of each series, on a white box sized to the longest
 * label, in the top right corner of the plot unless the curves end high there (rising metrics):
 * then in the bottom right, out of their way.
 */
function legend(
  series: readonly Series[],
  colorOf: (s: Series, i: number) => string,
  dash: (s: Series) => string,
  plot: { left: number; top: number; width: number; height: number },
  range: { yMin: number; yMax: number },
): string {
  const rowHeight = 18;
  const charWidth = 7.2; // an average character of a 12 px sans-serif font, a little generous
  const boxWidth = 8 + 24 + 6 + Math.ceil(Math.max(...series.map((s) => s.label.length)) * charWidth) + 8;
  const boxHeight = 6 + series.length * rowHeight;
  const ends = series.map((s) => points(s).at(-1)?.[1]).filter((y): y is number => y !== undefined);
  const endsHigh = ends.length > 0 && ends.reduce((a, b) => a + b, 0) / ends.length > (range.yMin + range.yMax) / 2;
  const boxLeft = plot.left + plot.width - boxWidth - 8;
  const boxTop = endsHigh ? plot.top + plot.height - boxHeight - 8 : plot.top + 8;
  const parts = [`<rect class="legend" x="${num(boxLeft)}" y="${num(boxTop)}" width="${boxWidth}" height="${boxHeight}" fill="white" fill-opacity="0.9" stroke="#bbb"/>`];
  series.forEach((s, i) => {
    const ly = boxTop + 3 + rowHeight * i + 13;
    const lx = boxLeft + 8;
    parts.push(`<line x1="${num(lx)}" y1="${num(ly - 4)}" x2="${num(lx + 24)}" y2="${num(ly - 4)}" stroke="${colorOf(s, i)}" stroke-width="2"${dash(s)}/>`);
    parts.push(`<text x="${num(lx + 30)}" y="${num(ly)}" font-size="12">${escape(s.label)}</text>`);
  });
  return parts.join('\n');
}

function document(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}

/** A line chart of `series` as a standalone SVG document. */
export function lineChart(series: readonly Series[], opts: ChartOptions = {}): string {
  checkOptions('lineChart', opts, ['title', 'xLabel', 'yLabel', 'width', 'height', 'yMin', 'yMax']);
  return document(opts.width ?? 640, opts.height ?? 400, chartBody(series, opts, 0, 0));
}

/**
 * A `fit` history as an SVG: the loss (train and validation) on the left, the other metrics on the
 * right (the y axis named after them), per epoch; each series in its own colour, validation dashed,
 * with a legend.
 */
export function plotHistory(history: History, opts: { title?: string } = {}): string {
  checkOptions('plotHistory', opts, ['title']);
  const keys = Object.keys(history.history);
  const trainKeys = keys.filter((k) => !k.startsWith('val_'));
  // Each series takes the next palette colour (train and validation differ in colour, and in dashes
  // too, for a page printed in grey).
  const seriesFor = (names: string[]): Series[] =>
    names.flatMap((name) => {
      const out: Series[] = [{ label: `train ${name}`, values: history.history[name]! }];
      const validation = history.history[`val_${name}`];
      if (validation !== undefined) out.push({ label: `validation ${name}`, values: validation, dashed: true });
      return out;
    });
  const metrics = trainKeys.filter((k) => k !== 'loss');
  const width = 640;
  const lossChart = chartBody(seriesFor(['loss']), { title: opts.title === undefined ? 'loss' : `${opts.title}: loss`, xLabel: 'epoch', yLabel: 'loss', width }, 0, 0);
  if (metrics.length === 0) return document(width, 400, lossChart);
  const metricChart = chartBody(seriesFor(metrics), { title: metrics.join(', '), xLabel: 'epoch', yLabel: metrics.join(', '), width }, width, 0);
  return document(2 * width, 400, `${lossChart}\n${metricChart}`);
}

/**
 * A line chart on a canvas: a few series over epochs, redrawn whole each time a point arrives (a
 * few dozen points, so redrawing costs nothing).
 */

export interface ChartSeries {
  label: string;
  color: string;
  values: number[];
}

export interface ChartOptions {
  title: string;
  /** The y range; by default 0 to the largest value. */
  yMin?: number;
  yMax?: number;
  /** The number of epochs the x axis spans (so that the axis does not move as points arrive). */
  epochs: number;
}

const PAD = { left: 40, right: 10, top: 22, bottom: 22 };

/** Draws `series` on `canvas`, replacing what was there. */
export function drawChart(canvas: HTMLCanvasElement, series: ChartSeries[], options: ChartOptions): void {
  const g = canvas.getContext('2d');
  if (g === null) throw new Error('drawChart: the canvas has no 2d context');
  const { width, height } = canvas;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const yMin = options.yMin ?? 0;
  const yMax = options.yMax ?? Math.max(yMin + 1e-9, ...all);
  const x = (epoch: number): number => PAD.left + (options.epochs <= 1 ? 0 : ((epoch - 1) / (options.epochs - 1)) * plotW);
  const y = (value: number): number => PAD.top + plotH - ((value - yMin) / (yMax - yMin)) * plotH;

  g.clearRect(0, 0, width, height);
  g.font = '11px sans-serif';
  g.fillStyle = '#222';
  g.fillText(options.title, PAD.left, 14);
  // Axes, with the y range at the ends and the epoch count under the x axis.
  g.strokeStyle = '#999';
  g.beginPath();
  g.moveTo(PAD.left, PAD.top);
  g.lineTo(PAD.left, PAD.top + plotH);
  g.lineTo(PAD.left + plotW, PAD.top + plotH);
  g.stroke();
  g.fillText(yMax.toFixed(2), 2, PAD.top + 8);
  g.fillText(yMin.toFixed(2), 2, PAD.top + plotH);
  g.fillText('1', PAD.left - 3, height - 6);
  g.fillText(`epoch ${options.epochs}`, PAD.left + plotW - 48, height - 6);

  series.forEach((s, index) => {
    g.strokeStyle = s.color;
    g.fillStyle = s.color;
    g.lineWidth = 2;
    g.beginPath();
    s.values.forEach((value, i) => (i === 0 ? g.moveTo(x(i + 1), y(value)) : g.lineTo(x(i + 1), y(value))));
    g.stroke();
    // The legend, one entry per series along the top right.
    const legendX = PAD.left + plotW - 90 * (series.length - index);
    g.fillRect(legendX, 8, 10, 3);
    g.fillText(s.label, legendX + 14, 14);
  });
  g.lineWidth = 1;
}

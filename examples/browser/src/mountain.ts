/**
 * The mountain view: the loss of the two-weight model (mountain-model.ts) as a heat map over
 * (w1, w2), and the gradient-descent path drawn one step at a time for the learning rate the user
 * picks. When a run ends, the view's element records it in data attributes (`data-state="done"`,
 * `data-final-loss`, `data-distance` to the optimum, ...) for the browser test.
 */
import { gradientDescent, lossGrid, optimum, PRESETS, START, STEPS, type Point, type PresetName, type Step } from './mountain-model.js';

const RANGE = { w1: [-3, 5], w2: [-4, 4] } as const;
// Canvas pixels per heat-map cell: 90x90 losses, drawn smoothed to the canvas's size. (180x180
// made the page's first task take 130 ms, with the worker's training starting at the same time.)
const CELL = 4;
const STEP_MS = 60;

/** A colour [r, g, b] for t in 0..1, from dark blue (low loss) through green to yellow (high). */
function colour(t: number): number[] {
  const stops = [[40, 30, 110], [30, 120, 140], [60, 180, 90], [250, 230, 50]];
  const at = Math.min(stops.length - 1.000001, Math.max(0, t) * (stops.length - 1));
  const i = Math.floor(at), f = at - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  return a.map((v, k) => Math.round(v + f * (b[k]! - v)));
}

export interface MountainView {
  run(lr: number, preset?: PresetName): void;
}

/** Sets up the view in `root`, which holds a canvas, a learning-rate input, preset buttons and a status line. */
export function mountainView(root: HTMLElement): MountainView {
  const canvas = root.querySelector('canvas')!;
  const lrInput = root.querySelector<HTMLInputElement>('input[name=lr]')!;
  const status = root.querySelector<HTMLElement>('.status')!;
  const g = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const toCanvas = ([w1, w2]: Point): [number, number] => [
    ((w1 - RANGE.w1[0]) / (RANGE.w1[1] - RANGE.w1[0])) * width,
    height - ((w2 - RANGE.w2[0]) / (RANGE.w2[1] - RANGE.w2[0])) * height,
  ];

  // The heat map, computed once: the log of the loss, since it spans several orders of magnitude.
  const columns = width / CELL, rows = height / CELL;
  const w1s = Array.from({ length: columns }, (_, c) => RANGE.w1[0] + ((c + 0.5) / columns) * (RANGE.w1[1] - RANGE.w1[0]));
  const w2s = Array.from({ length: rows }, (_, r) => RANGE.w2[1] - ((r + 0.5) / rows) * (RANGE.w2[1] - RANGE.w2[0]));
  const logs = Array.from(lossGrid(w1s, w2s), Math.log);
  const [low, high] = [Math.min(...logs), Math.max(...logs)];
  const heat = document.createElement('canvas');
  heat.width = columns;
  heat.height = rows;
  const h = heat.getContext('2d')!;
  const image = h.createImageData(columns, rows);
  const BANDS = 16; // colour bands of equal log loss, so that they read as contour lines
  logs.forEach((v, i) => {
    image.data.set([...colour(Math.floor(((v - low) / (high - low)) * BANDS) / (BANDS - 1)), 255], i * 4);
  });
  h.putImageData(image, 0, 0);
  const best = optimum();

  function drawPath(path: Step[]): void {
    g.imageSmoothingEnabled = true;
    g.drawImage(heat, 0, 0, width, height);
    const [ox, oy] = toCanvas(best.w);
    g.fillStyle = '#fff';
    g.font = '12px sans-serif';
    g.fillText('× optimum', ox - 4, oy + 4);
    const [sx, sy] = toCanvas(START);
    g.fillText('start', sx + 6, sy - 4);
    g.strokeStyle = '#fff';
    g.fillStyle = '#f33';
    g.lineWidth = 2;
    g.beginPath();
    path.forEach((step, i) => (i === 0 ? g.moveTo(...toCanvas(step.w)) : g.lineTo(...toCanvas(step.w))));
    g.stroke();
    for (const step of path) {
      const [cx, cy] = toCanvas(step.w);
      g.beginPath();
      g.arc(cx, cy, 3, 0, 2 * Math.PI);
      g.fill();
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  function run(lr: number, preset?: PresetName): void {
    clearTimeout(timer);
    const path = gradientDescent(START, lr, STEPS);
    lrInput.value = String(lr);
    root.dataset.state = 'running';
    root.dataset.preset = preset ?? 'custom';
    const label = preset === undefined ? '' : ` (${PRESETS[preset].text})`;
    const show = (shown: number): void => {
      drawPath(path.slice(0, shown + 1));
      const step = path[shown]!;
      status.textContent = `lr ${lr}${label}: step ${shown}/${STEPS}, w = (${step.w[0].toFixed(3)}, ${step.w[1].toFixed(3)}), loss ${step.loss.toPrecision(4)} (optimum ${best.loss.toPrecision(4)})`;
      if (shown < STEPS) {
        timer = setTimeout(() => show(shown + 1), STEP_MS);
        return;
      }
      const last = path[STEPS]!;
      Object.assign(root.dataset, {
        state: 'done', lr: String(lr), startLoss: String(path[0]!.loss), finalLoss: String(last.loss),
        optimumLoss: String(best.loss), distance: String(Math.hypot(last.w[0] - best.w[0], last.w[1] - best.w[1])),
      });
    };
    show(0);
  }

  root.querySelector('form')!.addEventListener('submit', (event) => {
    event.preventDefault();
    const lr = Number(lrInput.value);
    if (lr > 0) run(lr);
    else status.textContent = `the learning rate must be a positive number, got "${lrInput.value}"`;
  });
  for (const name of Object.keys(PRESETS) as PresetName[]) {
    root.querySelector(`button[data-preset=${name}]`)!.addEventListener('click', () => run(PRESETS[name].lr, name));
  }
  drawPath([{ w: START, loss: 0 }]);
  return { run };
}

/**
 * The grid of test digits with their predicted labels: every misclassified digit first (marked in
 * red), then correct ones up to `size`.
 */
import type { TestPredictions } from './protocol.js';

/** Which test digits the grid shows: the wrong ones first, then the first correct ones. */
export function gridIndices(labels: number[], predicted: number[], size: number): number[] {
  const wrong = labels.flatMap((label, i) => (predicted[i] !== label ? [i] : []));
  const right = labels.flatMap((label, i) => (predicted[i] === label ? [i] : []));
  return [...wrong, ...right].slice(0, size);
}

/** One 8x8 digit, drawn at `scale` canvas pixels per dataset pixel, dark ink on white. */
export function digitCanvas(pixels: ArrayLike<number>, scale: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 8 * scale;
  const g = canvas.getContext('2d')!;
  for (let p = 0; p < 64; p++) {
    const shade = Math.round(255 * (1 - pixels[p]!));
    g.fillStyle = `rgb(${shade}, ${shade}, ${shade})`;
    g.fillRect((p % 8) * scale, Math.floor(p / 8) * scale, scale, scale);
  }
  return canvas;
}

/** Fills `container` with the grid, and records every test prediction in its `data-predictions`. */
export function showDigitGrid(container: HTMLElement, test: TestPredictions, size = 60): void {
  container.replaceChildren();
  for (const i of gridIndices(test.labels, test.predicted, size)) {
    const cell = document.createElement('figure');
    const wrong = test.predicted[i] !== test.labels[i];
    cell.className = wrong ? 'digit wrong' : 'digit';
    cell.title = `test digit ${i}: true ${test.labels[i]}, predicted ${test.predicted[i]}`;
    const caption = document.createElement('figcaption');
    caption.textContent = wrong ? `${test.predicted[i]} (is ${test.labels[i]})` : String(test.predicted[i]);
    cell.append(digitCanvas(test.images.subarray(i * 64, (i + 1) * 64), 4), caption);
    container.append(cell);
  }
  // For the browser test (test/browser/page.test.ts): every prediction, not only those shown.
  container.dataset.predictions = JSON.stringify(test.predicted);
}

/**
 * The page's main script (loaded unbundled, @nn/* through the import map of index.html): starts the
 * training worker and shows what it reports; the mountain view runs here, on the page's thread, as
 * its model is tiny. `document.body.dataset.state` goes 'training' -> 'trained' (or 'error'), for
 * the browser test; `?epochs=N` changes the number of epochs (default 15).
 */
import { lineChart } from '@nn/train';
import { digitCanvas, showDigitGrid } from './digit-grid.js';
import { drawingPad } from './drawing-pad.js';
import { mountainView } from './mountain.js';
import { showProbabilities } from './probability-bars.js';
import type { FromWorker, TestPredictions, ToWorker } from './protocol.js';

const DEFAULT_EPOCHS = 15;

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`main: the page has no element #${id}`);
  return element as T;
};
const progress = byId('progress');
const threads = byId('threads');
const accuracyLine = byId('test-accuracy');
const grid = byId('grid');
const bars = byId('bars');
const lossChart = byId('loss-chart');
const accuracyChart = byId('accuracy-chart');
const loadInput = byId<HTMLInputElement>('load-weights');
const downloadButton = byId<HTMLButtonElement>('download-weights');

const epochsParameter = new URLSearchParams(location.search).get('epochs');
const requested = Number(epochsParameter ?? DEFAULT_EPOCHS);
const epochs = Number.isInteger(requested) && requested > 0 ? requested : DEFAULT_EPOCHS;
if (epochs !== requested) {
  byId('error').textContent = `main: ?epochs= must be a positive integer, got "${epochsParameter}"; training ${DEFAULT_EPOCHS} epochs`;
}

// Bundled by examples/browser/build.ts; a module worker, as the bundle is an ES module.
const worker = new Worker('/build/browser/page/worker.js', { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(message, transfer);

const history = { loss: [] as number[], valLoss: [] as number[], accuracy: [] as number[], valAccuracy: [] as number[] };
/** The loss and accuracy per epoch so far, as @nn/train's SVG line charts (validation dashed). */
function drawCharts(): void {
  const size = { width: 360, height: 200, xLabel: 'epoch' };
  lossChart.innerHTML = lineChart([
    { label: 'loss', values: history.loss },
    { label: 'val loss', values: history.valLoss, dashed: true },
  ], { ...size, title: 'loss', yMin: 0 });
  accuracyChart.innerHTML = lineChart([
    { label: 'accuracy', values: history.accuracy },
    { label: 'val accuracy', values: history.valAccuracy, dashed: true },
  ], { ...size, title: 'accuracy', yMin: 0, yMax: 1 });
}

function showTest(test: TestPredictions, how: string): void {
  const wrong = test.predicted.filter((p, i) => p !== test.labels[i]).length;
  accuracyLine.textContent = `${how}: test accuracy ${test.accuracy.toFixed(4)}, loss ${test.loss.toFixed(4)} (${wrong} of ${test.labels.length} test digits wrong)`;
  accuracyLine.dataset.value = String(test.accuracy);
  showDigitGrid(grid, test);
}

// The drawing pad asks the worker; answers carry the id of their question, and only the latest counts.
let latest = 0;
const seen = byId('seen');
const pad = drawingPad(byId<HTMLCanvasElement>('pad'), (pixels) => {
  // What the network is given: the drawing at the dataset's 8x8.
  seen.replaceChildren(digitCanvas(pixels, 8));
  seen.dataset.pixels = JSON.stringify(pixels.map((p) => p * 16));
  if (document.body.dataset.state === 'training') return;
  send({ type: 'classify', id: ++latest, pixels });
});
byId('clear-pad').addEventListener('click', () => {
  pad.clear();
  bars.replaceChildren();
  seen.replaceChildren();
  delete bars.dataset.predicted;
});

const handlers: { [K in FromWorker['type']]: (message: Extract<FromWorker, { type: K }>) => void } = {
  status: ({ text }) => { threads.textContent = text; },
  started: ({ trainImages, testImages }) => {
    progress.textContent = `training on ${trainImages} images (10% of them for validation), ${testImages} test images ...`;
  },
  epoch: (m) => {
    history.loss.push(m.loss);
    history.valLoss.push(m.valLoss);
    history.accuracy.push(m.accuracy);
    history.valAccuracy.push(m.valAccuracy);
    drawCharts();
    progress.textContent = `epoch ${m.epoch}/${m.epochs} (${m.seconds.toFixed(1)} s): loss ${m.loss.toFixed(4)}, accuracy ${m.accuracy.toFixed(4)}, val_loss ${m.valLoss.toFixed(4)}, val_accuracy ${m.valAccuracy.toFixed(4)}`;
  },
  trained: (m) => {
    progress.textContent += ` - trained ${epochs} epochs in ${m.seconds.toFixed(1)} s`;
    showTest(m, 'trained');
    downloadButton.disabled = loadInput.disabled = false;
    document.body.dataset.state = 'trained';
    const pixels = pad.pixels(); // a digit drawn during training
    if (pixels !== undefined) send({ type: 'classify', id: ++latest, pixels });
  },
  reloaded: (m) => {
    byId('error').textContent = ''; // a failed load before this one is no longer the news
    showTest(m, 'loaded weights');
    document.body.dataset.reloads = String(Number(document.body.dataset.reloads ?? 0) + 1);
    const pixels = pad.pixels();
    if (pixels !== undefined) send({ type: 'classify', id: ++latest, pixels });
  },
  probabilities: ({ id, probabilities }) => {
    if (id === latest) showProbabilities(bars, probabilities);
  },
  weights: ({ bytes }) => {
    const link = document.createElement('a');
    // slice(): a copy typed as over an ArrayBuffer, which Blob takes (a SharedArrayBuffer it does not).
    link.href = URL.createObjectURL(new Blob([bytes.slice()], { type: 'application/octet-stream' }));
    link.download = 'digits-cnn.safetensors';
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  },
  error: ({ message }) => {
    byId('error').textContent = `error: ${message}`;
    if (document.body.dataset.state === 'training') document.body.dataset.state = 'error';
  },
};
worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  (handlers[message.type] as (m: FromWorker) => void)(message);
};
worker.onerror = (event) => {
  byId('error').textContent = `the training worker failed: ${event.message}`;
  document.body.dataset.state = 'error';
};

downloadButton.addEventListener('click', () => send({ type: 'saveWeights' }));
loadInput.addEventListener('change', () => {
  const file = loadInput.files?.[0];
  if (file === undefined) return;
  void file.arrayBuffer().then((buffer) => send({ type: 'loadWeights', bytes: new Uint8Array(buffer) }, [buffer]));
  loadInput.value = ''; // choosing the same file again is a new change
});

// The longest task of the page's thread while the worker trains (Chromium reports tasks over 50 ms):
// training off this thread should leave it free, and the browser test checks that it does.
let longestTask = 0;
if (PerformanceObserver.supportedEntryTypes.includes('longtask')) {
  const observer = new PerformanceObserver((list) => {
    if (document.body.dataset.state !== 'training') return observer.disconnect();
    for (const entry of list.getEntries()) longestTask = Math.max(longestTask, entry.duration);
    document.body.dataset.longestTaskMs = String(Math.round(longestTask));
  });
  observer.observe({ type: 'longtask' });
}

drawCharts();
document.body.dataset.state = 'training';
send({ type: 'train', epochs });
mountainView(byId('mountain'));

/**
 * The canvas the user draws a digit on with the mouse, a pen or a finger (pointer events). Each
 * finished stroke hands the drawing, downsampled to the dataset's 8x8, to `onDigit`.
 */
import { downsampleDrawing } from './downsample.js';

export interface DrawingPad {
  /** Wipes the canvas. */
  clear(): void;
  /** The current drawing as 64 pixels 0..1, or undefined when it is empty. */
  pixels(): number[] | undefined;
}

/** Makes `canvas` a drawing pad with a pen `penWidth` canvas pixels wide. */
export function drawingPad(canvas: HTMLCanvasElement, onDigit: (pixels: number[]) => void, penWidth = 28): DrawingPad {
  const g = canvas.getContext('2d', { willReadFrequently: true });
  if (g === null) throw new Error('drawingPad: the canvas has no 2d context');
  // Canvas pixels per CSS pixel: the canvas may be shown at another size than its own.
  const at = (event: PointerEvent): [number, number] => {
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) * canvas.width) / rect.width, ((event.clientY - rect.top) * canvas.height) / rect.height];
  };
  const pixels = (): number[] | undefined => downsampleDrawing(g.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
  let drawing = false;
  canvas.style.touchAction = 'none'; // a finger draws instead of scrolling the page

  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = at(event);
    g.lineWidth = penWidth;
    g.lineCap = g.lineJoin = 'round';
    g.strokeStyle = '#000';
    g.beginPath();
    g.moveTo(x, y);
    g.lineTo(x, y); // a click alone leaves a dot
    g.stroke();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    const [x, y] = at(event);
    g.lineTo(x, y);
    g.stroke();
  });
  const end = (): void => {
    if (!drawing) return;
    drawing = false;
    const digit = pixels();
    if (digit !== undefined) onDigit(digit);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  return { clear: () => g.clearRect(0, 0, canvas.width, canvas.height), pixels };
}

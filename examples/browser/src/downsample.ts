/**
 * A drawing to the dataset's 8x8 format. The UCI digits were made from 32x32 black-and-white
 * bitmaps, the digit scaled to fill the box's height (every one of the 1797 spans all 8 rows) and
 * centred, then each 4x4 block counted: 0..16 ink pixels. This does the same to the ink of a
 * canvas, and divides by 16 as loadDigits does.
 */

const BITMAP = 32;
const BLOCK = 4;

/** The ink's bounding box in the canvas, or undefined when nothing is drawn. */
function inkBox(alpha: (x: number, y: number) => number, width: number, height: number): { x: number; y: number; w: number; h: number } | undefined {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (alpha(x, y) > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * 64 pixels 0..1 (row-major 8x8) from an RGBA image (`data` as ImageData's: 4 bytes a pixel, the
 * ink in the alpha channel), or undefined when the image has no ink.
 */
export function downsampleDrawing(data: ArrayLike<number>, width: number, height: number): number[] | undefined {
  if (data.length !== width * height * 4) {
    throw new Error(`downsampleDrawing: ${data.length} bytes for a ${width}x${height} RGBA image (expected ${width * height * 4})`);
  }
  const alpha = (x: number, y: number): number => data[(y * width + x) * 4 + 3]! / 255;
  const box = inkBox(alpha, width, height);
  if (box === undefined) return undefined;
  // One scale for both axes (the shape is kept), so that the longer side fills the bitmap.
  const scale = BITMAP / Math.max(box.w, box.h);
  const offsetX = (BITMAP - box.w * scale) / 2;
  const offsetY = (BITMAP - box.h * scale) / 2;
  const counts = new Array<number>(64).fill(0);
  for (let ty = 0; ty < BITMAP; ty++) {
    for (let tx = 0; tx < BITMAP; tx++) {
      // The canvas pixels under this bitmap cell: the mean of their ink decides the bit.
      const sx0 = box.x + (tx - offsetX) / scale;
      const sy0 = box.y + (ty - offsetY) / scale;
      const fromX = Math.max(box.x, Math.floor(sx0)), toX = Math.min(box.x + box.w, Math.max(fromX + 1, Math.ceil(sx0 + 1 / scale)));
      const fromY = Math.max(box.y, Math.floor(sy0)), toY = Math.min(box.y + box.h, Math.max(fromY + 1, Math.ceil(sy0 + 1 / scale)));
      let ink = 0, n = 0;
      for (let y = fromY; y < toY; y++) for (let x = fromX; x < toX; x++, n++) ink += alpha(x, y);
      if (n > 0 && ink / n >= 0.5) counts[Math.floor(ty / BLOCK) * 8 + Math.floor(tx / BLOCK)]!++;
    }
  }
  return counts.map((count) => count / (BLOCK * BLOCK));
}

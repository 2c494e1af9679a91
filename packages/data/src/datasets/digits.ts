/** The 8x8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", test part; 1797 images). */
import { DIGITS_BASE64, DIGITS_ROWS } from './digits-data.js';
import { checkOptions } from '@nn/autograd';
import { LOAD_OPTIONS, toLabelledData, type LabelledData, type LoadOptions, type ParsedSet } from './bundled.js';

const PIXELS = 64;

// Parsed on first use. No call at the top level: it would keep the data in every bundle.
let digits: ParsedSet | undefined;

function parseDigits(): ParsedSet {
  // 65 bytes a row: 64 pixel counts 0..16, then the label.
  const bytes = Uint8Array.from(atob(DIGITS_BASE64), (c) => c.charCodeAt(0));
  const features = new Float64Array(DIGITS_ROWS * PIXELS);
  const labels = new Float64Array(DIGITS_ROWS);
  for (let r = 0; r < DIGITS_ROWS; r++) {
    for (let p = 0; p < PIXELS; p++) features[r * PIXELS + p] = bytes[r * (PIXELS + 1) + p]! / 16;
    labels[r] = bytes[r * (PIXELS + 1) + PIXELS]!;
  }
  return { features, labels, rows: DIGITS_ROWS, columns: PIXELS, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] };
}

/**
 * The bundled 8x8 digits: `x` of shape [1797, 64], the pixels (an 8x8 image, row-major) scaled from
 * 0..16 to 0..1; `y` of shape [1797], the digit 0..9.
 */
export function loadDigits(opts: LoadOptions = {}): LabelledData {
  checkOptions('loadDigits', opts, LOAD_OPTIONS);
  return toLabelledData((digits ??= parseDigits()), opts);
}

/**
 * The composite ops' gradient cases: for each composite op (registry.ts, `compositeOpNames`), how to
 * call it on inputs drawn from a `Draw`. A primitive op needs none (its record's spec draws its
 * inputs). Shared by the Node gradient suite (./gradients.test.ts) and the one that runs in a
 * browser page (test/browser/gradient-suite.ts), so both check the same cases.
 */
import type { CompositeOpName } from '../src/ops/registry.js';
import type { Draw } from '../src/check/spec.js';
import type { Tensor } from '../src/index.js';
import { chunk, concat, conv1d, convTranspose1d, einsum, flatten, gt, logSumExp, maskedFill, mean, roll, sort, split, squeeze, stack, tile, topk, transpose, unsqueeze } from '../src/index.js';
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../src/index.js';
import type { Domain } from '../src/check/sampling.js';
import { drawAxes, drawBroadcastPartner, drawShape, drawTensor } from '../src/check/sampling.js';
import { drawEinsumCase } from './einsum-draw.js';

/** A case for each composite op: how to call it on drawn inputs. */
export interface CompositeCase {
  sample(draw: Draw): { inputs: Tensor[]; run: (...inputs: Tensor[]) => Tensor };
}

function withAxes(draw: Draw, f: (x: Tensor, axis: number | number[] | undefined, keepDims: boolean) => Tensor) {
  const x = drawTensor(draw, drawShape(draw));
  const axis = drawAxes(draw, x.ndim);
  const keepDims = draw.integer(0, 1) === 1;
  return { inputs: [x], run: (t: Tensor) => f(t, axis, keepDims) };
}

/** One spatial axis of a pooling case: a size and options that PyTorch accepts. */
function drawPoolAxis(draw: Draw, dilated: boolean): { size: number; kernel: number; stride: number; padding: number; dilation: number } {
  const kernel = draw.integer(1, 3);
  const padding = draw.integer(0, Math.floor(kernel / 2));
  const dilation = dilated ? draw.integer(1, 2) : 1;
  // The kernel fits the padded input, and a dilated first window keeps a tap inside the input.
  const size = draw.integer(Math.max(1, dilation * (kernel - 1) + 1 - 2 * padding, dilation), 5);
  return { size, kernel, stride: draw.integer(1, 3), padding, dilation };
}

/** x for a pool over `axes` spatial axes of the given sizes: batched [N, C, ...] or unbatched [C, ...]. */
function drawPoolInput(draw: Draw, sizes: number[], domain: Domain): Tensor {
  const leading = draw.integer(0, 1) === 1 ? [draw.integer(1, 2), draw.integer(1, 3)] : [draw.integer(1, 3)];
  return drawTensor(draw, [...leading, ...sizes], domain);
}

/** A case of a max pool (distinct values: no ties in a window) or an average pool, over 1 or 2 axes, every option drawn. */
function poolCase(draw: Draw, axes: 1 | 2, kind: 'max' | 'avg') {
  const along = Array.from({ length: axes }, () => drawPoolAxis(draw, kind === 'max'));
  const pick = (key: 'kernel' | 'stride' | 'padding' | 'dilation'): [number, number] => [along[0]![key], along[axes - 1]![key]];
  const ceilMode = draw.integer(0, 1) === 1;
  const countIncludePad = draw.integer(0, 1) === 1;
  const x = drawPoolInput(draw, along.map((a) => a.size), kind === 'max' ? 'distinct' : 'uniform');
  const run = (t: Tensor): Tensor => {
    if (axes === 1) {
      const [a] = along as [ReturnType<typeof drawPoolAxis>];
      return kind === 'max'
        ? maxPool1d(t, a.kernel, { stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode })
        : avgPool1d(t, a.kernel, { stride: a.stride, padding: a.padding, ceilMode, countIncludePad });
    }
    return kind === 'max'
      ? maxPool2d(t, pick('kernel'), { stride: pick('stride'), padding: pick('padding'), dilation: pick('dilation'), ceilMode })
      : avgPool2d(t, pick('kernel'), { stride: pick('stride'), padding: pick('padding'), ceilMode, countIncludePad });
  };
  return { inputs: [x], run };
}

/** A case of an adaptive average pool: input sizes 1..5, output sizes 1..4 (smaller or larger than the input). */
function adaptiveCase(draw: Draw, axes: 1 | 2) {
  const sizes = Array.from({ length: axes }, () => draw.integer(1, 5));
  const out = Array.from({ length: axes }, () => draw.integer(1, 4));
  const x = drawPoolInput(draw, sizes, 'uniform');
  return { inputs: [x], run: (t: Tensor) => (axes === 1 ? adaptiveAvgPool1d(t, out[0]!) : adaptiveAvgPool2d(t, out as [number, number])) };
}

// The mapped type makes tsc demand a case for every composite op name.
export const compositeCases: { [K in CompositeOpName]: CompositeCase } = {
  mean: { sample: (draw) => withAxes(draw, mean) },
  logSumExp: { sample: (draw) => withAxes(draw, logSumExp) },
  stack: {
    sample(draw) {
      const shape = drawShape(draw, 0, 3);
      const count = draw.integer(1, 3);
      const axis = draw.integer(-shape.length - 1, shape.length);
      return { inputs: Array.from({ length: count }, () => drawTensor(draw, shape)), run: (...xs) => stack(xs, axis) };
    },
  },
  squeeze: {
    sample(draw) {
      const shape = drawShape(draw, 1).map((dim) => (draw.integer(0, 1) === 1 ? 1 : dim));
      const ones = shape.flatMap((dim, axis) => (dim === 1 ? [axis] : []));
      const axis = ones.length > 0 && draw.integer(0, 1) === 1 ? ones[draw.integer(0, ones.length - 1)] : undefined;
      return { inputs: [drawTensor(draw, shape)], run: (x) => squeeze(x, axis) };
    },
  },
  unsqueeze: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw));
      const axis = draw.integer(-x.ndim - 1, x.ndim);
      return { inputs: [x], run: (t) => unsqueeze(t, axis) };
    },
  },
  transpose: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw, 2));
      const [a, b] = [draw.integer(-x.ndim, x.ndim - 1), draw.integer(-x.ndim, x.ndim - 1)];
      return { inputs: [x], run: (t) => transpose(t, a, b) };
    },
  },
  roll: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw, 1));
      const shift = draw.integer(-5, 5);
      const flat = draw.integer(0, 1) === 1;
      const axis = draw.integer(-x.ndim, x.ndim - 1);
      return { inputs: [x], run: (t) => (flat ? roll(t, shift) : roll(t, shift, axis)) };
    },
  },
  tile: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw, 0, 3));
      const reps = draw.integers(draw.integer(0, 3), 1, 3);
      return { inputs: [x], run: (t) => tile(t, reps) };
    },
  },
  flatten: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw, 1));
      const start = draw.integer(0, x.ndim - 1);
      const end = draw.integer(start, x.ndim - 1);
      return { inputs: [x], run: (t) => flatten(t, start, end) };
    },
  },
  // The pieces joined again, each scaled by its own factor, so that a piece's gradient reaching
  // another piece's elements would show.
  split: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw, 1));
      const axis = draw.integer(0, x.ndim - 1);
      const size = draw.integer(1, x.shape[axis]!);
      return { inputs: [x], run: (t) => concat(split(t, size, axis).map((p, i) => p.mul(i + 1)), axis) };
    },
  },
  chunk: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw, 1));
      const axis = draw.integer(0, x.ndim - 1);
      const chunks = draw.integer(1, 4);
      return { inputs: [x], run: (t) => concat(chunk(t, chunks, axis).map((p, i) => p.mul(i + 1)), axis) };
    },
  },
  maskedFill: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw));
      const mask = gt(drawTensor(draw, drawBroadcastPartner(draw, x.shape)), 0);
      return { inputs: [x], run: (t) => maskedFill(t, mask, 1.5) };
    },
  },
  sort: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw, 1, 3), 'distinct');
      const axis = draw.integer(-x.ndim, x.ndim - 1);
      const descending = draw.integer(0, 1) === 1;
      return { inputs: [x], run: (t) => sort(t, { axis, descending }).values };
    },
  },
  // Drawn equations: contractions, traces, diagonals, broadcast `...` and size-1 axes, implicit output.
  einsum: {
    sample(draw) {
      const { equation, shapes } = drawEinsumCase(draw, { maxOperands: 3, maxSize: 2, maxLetters: 3 });
      return { inputs: shapes.map((shape) => drawTensor(draw, shape)), run: (...xs) => einsum(equation, ...xs) };
    },
  },
  // The 1-D convolutions: the 2-D primitives on views, with bias, unbatched input and 'same'.
  conv1d: {
    sample(draw) {
      const [groups, perGroupIn, perGroupOut, k, stride, dilation] = [draw.integer(1, 2), draw.integer(1, 2), draw.integer(1, 2), draw.integer(1, 3), draw.integer(1, 3), draw.integer(1, 2)];
      const same = draw.integer(0, 2) === 0;
      const padding = same ? 'same' as const : draw.integer(0, 2);
      const length = Math.max(1, dilation * (k - 1) + 1 - 2 * (same ? 0 : padding as number)) + draw.integer(0, 2) + (same ? dilation * (k - 1) : 0);
      const unbatched = draw.integer(0, 1) === 1;
      const x = drawTensor(draw, unbatched ? [perGroupIn * groups, length] : [draw.integer(1, 2), perGroupIn * groups, length]);
      const w = drawTensor(draw, [perGroupOut * groups, perGroupIn, k]);
      const b = drawTensor(draw, [perGroupOut * groups]);
      return { inputs: [x, w, b], run: (xs, ws, bs) => conv1d(xs!, ws!, bs, { stride: same ? 1 : stride, padding, dilation, groups }) };
    },
  },
  convTranspose1d: {
    sample(draw) {
      const [groups, perGroupIn, perGroupOut, k, stride, dilation, padding] = [draw.integer(1, 2), draw.integer(1, 2), draw.integer(1, 2), draw.integer(1, 3), draw.integer(1, 3), draw.integer(1, 2), draw.integer(0, 1)];
      const outputPadding = draw.integer(0, Math.max(stride, dilation) - 1);
      const length = draw.integer(1, 3) + 2 * padding;
      const unbatched = draw.integer(0, 1) === 1;
      const x = drawTensor(draw, unbatched ? [perGroupIn * groups, length] : [draw.integer(1, 2), perGroupIn * groups, length]);
      const w = drawTensor(draw, [perGroupIn * groups, perGroupOut, k]);
      const b = drawTensor(draw, [perGroupOut * groups]);
      return { inputs: [x, w, b], run: (xs, ws, bs) => convTranspose1d(xs!, ws!, bs, { stride, padding, outputPadding, dilation, groups }) };
    },
  },
  topk: {
    sample(draw) {
      const x = drawTensor(draw, drawShape(draw, 1, 3), 'distinct');
      const axis = draw.integer(0, x.ndim - 1);
      const k = draw.integer(1, x.shape[axis]!); // k = 0 (an empty result) is in the PyTorch fixture
      const largest = draw.integer(0, 1) === 1;
      return { inputs: [x], run: (t) => topk(t, k, { axis, largest }).values };
    },
  },
  maxPool1d: { sample: (draw) => poolCase(draw, 1, 'max') },
  maxPool2d: { sample: (draw) => poolCase(draw, 2, 'max') },
  avgPool1d: { sample: (draw) => poolCase(draw, 1, 'avg') },
  avgPool2d: { sample: (draw) => poolCase(draw, 2, 'avg') },
  adaptiveAvgPool1d: { sample: (draw) => adaptiveCase(draw, 1) },
  adaptiveAvgPool2d: { sample: (draw) => adaptiveCase(draw, 2) },
};

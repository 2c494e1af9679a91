/**
 * 2-D convolution kernels (NCHW), all three faces of one trilinear form
 *
 *   T(x, w, y) = sum over n, group g, output channel o, input channel c, p, q, i, j of
 *                y[n, o, p, q] * w[o, c, i, j] * x[n, c, p * sH - padH + i * dH, q * sW - padW + j * dW]
 *
 * (c ranging over the input channels of o's group; a position of x outside its extent counts as 0):
 * - `convForwardKernel` computes y from x and w (the convolution),
 * - `convTransposeKernel` computes x from y and w (the transposed convolution, the input gradient),
 * - `convWeightKernel` computes w from x and y (the weight gradient).
 * Every extent is given, so the three agree for any sizes (those of a transposed convolution with an
 * output padding, or rows that a stride drops, included).
 *
 * Each one lowers to the matrix product (../matmul.ts and its WebAssembly twin, with their packing
 * and threads) through im2col: for one image and one group, `cols` is the (C/groups * kH * kW) x
 * (outH * outW) matrix whose row (c, i, j) holds the values of x that weight tap (c, i, j) meets at
 * each output position, so that y = W cols, x = col2im(W^T y) and dW = sum over images of y cols^T.
 * `cols` is scratch reused across calls. A 1 x 1 kernel with stride 1 and no padding needs no
 * lowering: x itself is `cols`, read in place. A depthwise convolution (one input and one output
 * channel per group) is a direct loop: its products are 1 x kH kW x outH outW, far too thin for the
 * packed kernels. im2col and col2im run on WebAssembly (./wasm/spatial.ts) for a column stride and
 * dilation of 1, with the same values and sums. On WebAssembly the weight gradient without groups
 * sums its images' products in the product kernel (`convWeightSummed`).
 */
import type { Storage } from '../dtype.js';
import type { MatrixOperand } from './matmul.js';
import { matmulKernelFor, wasmPaysOff } from './matrix-product.js';
import { col2imAddWasm, im2colWasm } from './wasm/spatial.js';
import { summedMatmulKernelWasm } from './wasm/matmul.js';
import { runsOnWasm } from '../backend.js';

/** The sizes of one convolution: x is [batch, inChannels, inH, inW], w [outChannels, inChannels / groups, kH, kW], y [batch, outChannels, outH, outW]. */
export interface ConvGeometry {
  readonly batch: number;
  readonly groups: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  /** Padding before the first row and column (the padding after only shows in outH and outW). */
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
}

/** A contiguous NCHW (or OIHW) operand: its storage and where element 0 is. */
export interface DenseOperand {
  readonly data: Storage;
  readonly offset: number;
}

type FloatStorage = Float32Array | Float64Array;

// Scratch reused across calls (allocated on the first call that needs it, grown to the largest):
// the im2col matrix, and a product to add into the weight gradient. One pair per precision, so that
// every loop over them sees one array type.
let cols32 = new Float32Array(0);
let cols64 = new Float64Array(0);
let sum32 = new Float32Array(0);
let sum64 = new Float64Array(0);
function colsScratch(like: FloatStorage, size: number): FloatStorage {
  if (like instanceof Float32Array) {
    if (cols32.length < size) cols32 = new Float32Array(size);
    return cols32;
  }
  if (cols64.length < size) cols64 = new Float64Array(size);
  return cols64;
}

function sumScratch(like: FloatStorage, size: number): FloatStorage {
  if (like instanceof Float32Array) {
    if (sum32.length < size) sum32 = new Float32Array(size);
    return sum32;
  }
  if (sum64.length < size) sum64 = new Float64Array(size);
  return sum64;
}

/** out[0 .. m n) = A (m x k) B (k x n), on whichever backend pays off. */
function multiply(out: FloatStorage, a: MatrixOperand, b: MatrixOperand, m: number, k: number, n: number): void {
  matmulKernelFor(m, k, n)(out, a, b, [], m, k, n);
}

const matrix = (data: Storage, offset: number, rowStride: number, colStride: number): MatrixOperand => ({ data, offset, rowStride, colStride, batchStrides: [] });

/** True when im2col would copy x unchanged: a 1 x 1 kernel, stride 1, no padding, same extent. */
function isPointwise(g: ConvGeometry): boolean {
  return g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0 && g.inH === g.outH && g.inW === g.outW;
}

/** True for a depthwise convolution: one input and one output channel per group. */
function isDepthwise(g: ConvGeometry): boolean {
  return g.groups > 1 && g.inChannels === g.groups && g.outChannels === g.groups;
}

/**
 * The valid output positions q of one kernel tap along an axis: those whose input position
 * q * stride - pad + tap * dilation lies in [0, inSize). Returns [first, end), clipped to [0, outSize).
 */
function validRange(outSize: number, inSize: number, stride: number, shift: number): [number, number] {
  // shift = tap * dilation - pad; valid when 0 <= q * stride + shift < inSize.
  const first = shift >= 0 ? 0 : Math.ceil(-shift / stride);
  const end = inSize - shift <= 0 ? 0 : Math.floor((inSize - 1 - shift) / stride) + 1;
  return [Math.min(first, outSize), Math.max(Math.min(end, outSize), Math.min(first, outSize))];
}

/**
 * Writes im2col of the channels [c0, c0 + channels) of image x (at `base`) into `cols`
 * (channels kH kW rows of outH outW). Loop order: row of cols (c, i, j), then output row p, then
 * output column q, so `cols` is written strictly in order; the q loop is split into its zero
 * margins and a valid middle without tests (a plain strided read of one row of x).
 */
function im2col(cols: FloatStorage, x: Storage, base: number, channels: number, g: ConvGeometry): void {
  if (g.strideH === 1 && g.strideW === 1 && g.outW === g.inW && x.constructor === cols.constructor) return im2colShifted(cols, x as FloatStorage, base, channels, g);
  if (g.strideH === 1 && g.dilationH === 1) return im2colReusing(cols, x, base, channels, g);
  const { inH, inW, outH, outW, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  let d = 0;
  for (let c = 0; c < channels; c++) {
    const plane = base + c * inH * inW;
    for (let i = 0; i < kH; i++) {
      const shiftH = i * dilationH - padH;
      for (let j = 0; j < kW; j++) {
        const shiftW = j * dilationW - padW;
        const [q0, q1] = validRange(outW, inW, strideW, shiftW);
        for (let p = 0; p < outH; p++) {
          const h = p * strideH + shiftH;
          if (h < 0 || h >= inH || q0 === q1) {
            cols.fill(0, d, d + outW);
            d += outW;
            continue;
          }
          for (let q = 0; q < q0; q++) cols[d++] = 0;
          let s = plane + h * inW + q0 * strideW + shiftW;
          for (let q = q0; q < q1; q++, s += strideW) cols[d++] = x[s]!;
          for (let q = q1; q < outW; q++) cols[d++] = 0;
        }
      }
    }
  }
}

/**
 * im2col for row stride 1 and row dilation 1 (LeNet's convolutions, 28 x 28 to 24 x 24 and 12 x 12
 * to 8 x 8, and most others), built mostly from itself. Tap (c, i, j) at output row p reads input row p + i - padH, which
 * tap (c, i - 1, j) read at output row p + 1: so its block is the previous tap's shifted up by one
 * output row, one native copy, and only its last row is read from x. With column stride and dilation
 * 1 too, tap (c, 0, j) is likewise tap (c, 0, j - 1) shifted left by one column, and only its last
 * column is read. The copies are exact (the same values, zeros included, land in the same places),
 * and the element stores drop from kH kW outH outW a channel to about outH outW + kW outH + kH kW outW:
 * the element loop measured 1.3 ns an element on this machine, a copy well under a tenth of that.
 * This replaced widening the product to rows as wide as x's (so that im2col was one native copy per
 * tap, at the price of a wider product and a copy of the result): for LeNet's first convolution
 * (batch 64, float32) that measured 1.6 to 2.0 ms for the weight gradient against 0.9 here, and no
 * faster forward.
 */
function im2colReusing(cols: FloatStorage, x: Storage, base: number, channels: number, g: ConvGeometry): void {
  const { inH, inW, outH, outW, kH, kW, strideW, padH, padW, dilationW } = g;
  const block = outH * outW;
  const columnsToo = strideW === 1 && dilationW === 1;
  for (let c = 0; c < channels; c++) {
    const plane = base + c * inH * inW;
    for (let i = 0; i < kH; i++) {
      const shiftH = i - padH;
      for (let j = 0; j < kW; j++) {
        const start = ((c * kH + i) * kW + j) * block;
        const shiftW = j * dilationW - padW;
        if (i > 0) {
          // Rows 0 .. outH - 2 from the tap above, row outH - 1 from x.
          const above = start - kW * block;
          cols.copyWithin(start, above + outW, above + block);
          im2colRow(cols, start + block - outW, x, plane, outH - 1 + shiftH, shiftW, g);
        } else if (j > 0 && columnsToo) {
          // Columns 0 .. outW - 2 from the tap to the left (the copy also moves each row's first value
          // into the previous row's last column), then every row's last column from x.
          const left = start - block;
          cols.copyWithin(start, left + 1, left + block);
          const w = outW - 1 + shiftW;
          const inside = w >= 0 && w < inW;
          for (let p = 0, d = start + outW - 1; p < outH; p++, d += outW) {
            const h = p + shiftH;
            cols[d] = inside && h >= 0 && h < inH ? x[plane + h * inW + w]! : 0;
          }
        } else {
          for (let p = 0; p < outH; p++) im2colRow(cols, start + p * outW, x, plane, p + shiftH, shiftW, g);
        }
      }
    }
  }
}

/** Writes one row of im2col (outW values from cols[d]): input row h of the plane at `plane`, columns q strideW + shiftW, zero outside. */
function im2colRow(cols: FloatStorage, d: number, x: Storage, plane: number, h: number, shiftW: number, g: ConvGeometry): void {
  const { inH, inW, outW, strideW } = g;
  const [q0, q1] = h < 0 || h >= inH ? [0, 0] : validRange(outW, inW, strideW, shiftW);
  if (q0 === q1) {
    cols.fill(0, d, d + outW);
    return;
  }
  for (let q = 0; q < q0; q++) cols[d++] = 0;
  let s = plane + h * inW + q0 * strideW + shiftW;
  for (let q = q0; q < q1; q++, s += strideW) cols[d++] = x[s]!;
  for (let q = q1; q < outW; q++) cols[d++] = 0;
}

/**
 * im2col for stride 1 with rows as wide as x's (padding 'same' and the like): the row of `cols` for
 * tap (c, i, j) is then plane c of x shifted by (i dH - padH) rows and (j dW - padW) columns, so its
 * valid rows are one native copy of a stretch of x; the values that the shift wraps in from the next
 * or previous row, which are padding, are zeroed afterwards (|shift| columns a row). A native copy
 * moves 4 to 8 bytes in well under a nanosecond, where the element loop took several.
 */
function im2colShifted(cols: FloatStorage, x: FloatStorage, base: number, channels: number, g: ConvGeometry): void {
  const { inH, inW, outH, outW, kH, kW, padH, padW, dilationH, dilationW } = g;
  const plane = inH * inW;
  const block = outH * outW;
  let d = 0;
  for (let c = 0; c < channels; c++) {
    const planeStart = base + c * plane;
    for (let i = 0; i < kH; i++) {
      const shiftH = i * dilationH - padH;
      const [p0, p1] = validRange(outH, inH, 1, shiftH);
      for (let j = 0; j < kW; j++, d += block) {
        const shiftW = j * dilationW - padW;
        const [q0, q1] = validRange(outW, inW, 1, shiftW);
        if (p0 === p1 || q0 === q1) {
          cols.fill(0, d, d + block);
          continue;
        }
        cols.fill(0, d, d + p0 * outW);
        cols.fill(0, d + p1 * outW, d + block);
        // Positions t of the valid rows read x at srcStart + t; keep the reads inside the plane (the
        // positions clipped off are padding columns, zeroed below).
        const first = d + p0 * outW;
        const srcStart = planeStart + (p0 + shiftH) * inW + shiftW;
        const lo = Math.max(0, planeStart - srcStart);
        const hi = Math.min((p1 - p0) * outW, planeStart + plane - srcStart);
        cols.set(x.subarray(srcStart + lo, srcStart + hi), first + lo);
        if (q0 > 0 || q1 < outW) {
          // Usually one column a row: element stores, a fill call per row cost more than the copy.
          for (let row = first; row < first + (p1 - p0) * outW; row += outW) {
            for (let q = 0; q < q0; q++) cols[row + q] = 0;
            for (let q = q1; q < outW; q++) cols[row + q] = 0;
          }
        }
      }
    }
  }
}

/**
 * Below this many values of `cols`, im2col and col2imAdd stay in JavaScript: the copies in and out
 * of WebAssembly memory and the call cost about a microsecond.
 */
const WASM_SPATIAL_MIN = 1024;

/**
 * The im2col matrix (taps x outH outW, contiguous) of the channels [0, channels) of the image at
 * `base`: built on WebAssembly where that runs (./wasm/spatial.ts), else in the cols scratch.
 */
function lower(like: FloatStorage, x: Storage, base: number, channels: number, g: ConvGeometry): DenseOperand {
  const size = channels * g.kH * g.kW * g.outH * g.outW;
  const built = runsOnWasm(size >= WASM_SPATIAL_MIN) ? im2colWasm(like, x, base, channels, g) : null;
  if (built !== null) return built;
  const cols = colsScratch(like, size);
  im2col(cols, x, base, channels, g);
  return { data: cols, offset: 0 };
}

/** The adjoint of im2col: adds each value of `cols` into the position of x (at `base`) it was read from. Same loop order. */
function col2imAdd(x: FloatStorage, base: number, cols: FloatStorage, channels: number, g: ConvGeometry): void {
  const { inH, inW, outH, outW, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  if (runsOnWasm(channels * kH * kW * outH * outW >= WASM_SPATIAL_MIN) && col2imAddWasm(x, base, cols, channels, g)) return;
  let d = 0;
  for (let c = 0; c < channels; c++) {
    const plane = base + c * inH * inW;
    for (let i = 0; i < kH; i++) {
      const shiftH = i * dilationH - padH;
      for (let j = 0; j < kW; j++) {
        const shiftW = j * dilationW - padW;
        const [q0, q1] = validRange(outW, inW, strideW, shiftW);
        for (let p = 0; p < outH; p++, d += outW) {
          const h = p * strideH + shiftH;
          if (h < 0 || h >= inH) continue;
          let s = plane + h * inW + q0 * strideW + shiftW;
          for (let q = q0; q < q1; q++, s += strideW) x[s] = x[s]! + cols[d + q]!;
        }
      }
    }
  }
}

/** y = conv(x, w): `out` is y, contiguous [batch, outChannels, outH, outW], fully overwritten. */
export function convForwardKernel(out: FloatStorage, x: DenseOperand, w: DenseOperand, g: ConvGeometry): void {
  if (out.length === 0) return;
  if (isDepthwise(g)) return depthwiseForward(out, x, w, g);
  const inC = g.inChannels / g.groups;
  const outC = g.outChannels / g.groups;
  const taps = inC * g.kH * g.kW;
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  const pointwise = isPointwise(g);
  // Loop order: image, group; per (image, group) one product W_g (outC x taps) cols (taps x outPlane).
  for (let n = 0; n < g.batch; n++) {
    for (let group = 0; group < g.groups; group++) {
      const xBase = x.offset + (n * g.inChannels + group * inC) * inPlane;
      const yStart = (n * g.outChannels + group * outC) * outPlane;
      const cols = pointwise ? { data: x.data, offset: xBase } : lower(out, x.data, xBase, inC, g);
      const b = matrix(cols.data, cols.offset, outPlane, 1);
      const a = matrix(w.data, w.offset + group * outC * taps, taps, 1);
      multiply(out.subarray(yStart, yStart + outC * outPlane), a, b, outC, taps, outPlane);
    }
  }
}

/** x = convTranspose(y, w): `out` is x, contiguous [batch, inChannels, inH, inW], fully overwritten. */
export function convTransposeKernel(out: FloatStorage, y: DenseOperand, w: DenseOperand, g: ConvGeometry): void {
  if (out.length === 0) return;
  if (isDepthwise(g)) return depthwiseTranspose(out, y, w, g);
  const inC = g.inChannels / g.groups;
  const outC = g.outChannels / g.groups;
  const taps = inC * g.kH * g.kW;
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  const pointwise = isPointwise(g);
  out.fill(0);
  if (outPlane === 0 || outC === 0) return;
  const cols = pointwise ? null : colsScratch(out, taps * outPlane);
  // Loop order: image, group; per (image, group) cols = W_g^T (taps x outC) y_g (outC x outPlane), then col2im.
  for (let n = 0; n < g.batch; n++) {
    for (let group = 0; group < g.groups; group++) {
      const xStart = (n * g.inChannels + group * inC) * inPlane;
      const a = matrix(w.data, w.offset + group * outC * taps, 1, taps);
      const b = matrix(y.data, y.offset + (n * g.outChannels + group * outC) * outPlane, outPlane, 1);
      if (cols === null) {
        multiply(out.subarray(xStart, xStart + inC * inPlane), a, b, taps, outC, outPlane);
      } else {
        multiply(cols, a, b, taps, outC, outPlane);
        col2imAdd(out, xStart, cols, inC, g);
      }
    }
  }
}

/** dw = convWeight(x, y): `out` is w, contiguous [outChannels, inChannels / groups, kH, kW], fully overwritten. */
export function convWeightKernel(out: FloatStorage, x: DenseOperand, y: DenseOperand, g: ConvGeometry): void {
  if (out.length === 0) return;
  if (isDepthwise(g)) return depthwiseWeight(out, x, y, g);
  const inC = g.inChannels / g.groups;
  const outC = g.outChannels / g.groups;
  const taps = inC * g.kH * g.kW;
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  const pointwise = isPointwise(g);
  out.fill(0);
  if (outPlane === 0 || g.batch === 0) return;
  const product = sumScratch(out, outC * taps);
  if (g.groups === 1 && runsOnWasm(wasmPaysOff(outC, outPlane, taps))) return convWeightSummed(out, product, x, y, g);
  // Loop order: group, image; per (group, image) the product y_g (outC x outPlane) cols^T
  // (outPlane x taps) is added into W_g, images in order (the order of PyTorch's sum over the batch).
  for (let group = 0; group < g.groups; group++) {
    const wStart = group * outC * taps;
    for (let n = 0; n < g.batch; n++) {
      const xBase = x.offset + (n * g.inChannels + group * inC) * inPlane;
      const cols = pointwise ? { data: x.data, offset: xBase } : lower(out, x.data, xBase, inC, g);
      const b = matrix(cols.data, cols.offset, 1, outPlane);
      const a = matrix(y.data, y.offset + (n * g.outChannels + group * outC) * outPlane, outPlane, 1);
      multiply(product, a, b, outC, outPlane, taps);
      for (let e = 0; e < outC * taps; e++) out[wStart + e] = out[wStart + e]! + product[e]!;
    }
  }
}

/**
 * Images lowered at once by `convWeightSummed`: as many as keep their im2col matrices within this
 * many values (512 KiB of float32), so that the product reads them from L2.
 */
const SUMMED_VALUES = 1 << 17;

/**
 * convWeightKernel without groups, on WebAssembly: the images' products y_n cols_n^T summed by the
 * product kernel itself (`summedMatmulKernelWasm`, C kept in its memory), a chunk of images at a
 * time, lowered together (with one group, the planes of consecutive images are consecutive, so
 * im2col of chunk * inChannels channels is the chunk's matrices one after another). A product per
 * image, copied out and added in JavaScript, took 661 us for LeNet's second convolution (batch 64,
 * 16 x 64 x 150 an image, float32) against 491 us summed, and 579 against 552 us for its first.
 */
function convWeightSummed(out: FloatStorage, product: FloatStorage, x: DenseOperand, y: DenseOperand, g: ConvGeometry): void {
  const taps = g.inChannels * g.kH * g.kW;
  const outPlane = g.outH * g.outW;
  const perImage = taps * outPlane;
  const inImage = g.inChannels * g.inH * g.inW;
  const pointwise = isPointwise(g);
  // Pointwise, x is read in place: one product for the whole batch.
  const chunk = pointwise ? g.batch : Math.max(1, Math.min(g.batch, Math.floor(SUMMED_VALUES / perImage)));
  const weights = g.outChannels * taps;
  for (let n0 = 0; n0 < g.batch; n0 += chunk) {
    const images = Math.min(chunk, g.batch - n0);
    const xBase = x.offset + n0 * inImage;
    const cols = pointwise ? { data: x.data, offset: xBase } : lower(out, x.data, xBase, images * g.inChannels, g);
    const a = { data: y.data, offset: y.offset + n0 * g.outChannels * outPlane, rowStride: outPlane, colStride: 1, batchStrides: [g.outChannels * outPlane] };
    const b = { data: cols.data, offset: cols.offset, rowStride: 1, colStride: outPlane, batchStrides: [perImage] };
    summedMatmulKernelWasm(n0 === 0 ? out : product, a, b, [images], g.outChannels, outPlane, taps);
    if (n0 > 0) for (let e = 0; e < weights; e++) out[e] = out[e]! + product[e]!;
  }
}

// Depthwise: channel c of x meets only filter c. Loop order: image, channel, tap (i, j), output row
// p, then the valid output columns q of that tap: the innermost loop is a strided read of one row of
// x against a contiguous row of y, with the tap's weight held in a local.

function depthwiseForward(out: FloatStorage, x: DenseOperand, w: DenseOperand, g: ConvGeometry): void {
  out.fill(0);
  const { inH, inW, outH, outW, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  for (let n = 0; n < g.batch; n++) {
    for (let c = 0; c < g.groups; c++) {
      const xPlane = x.offset + (n * g.groups + c) * inH * inW;
      const yPlane = (n * g.groups + c) * outH * outW;
      for (let i = 0; i < kH; i++) {
        const shiftH = i * dilationH - padH;
        for (let j = 0; j < kW; j++) {
          const weight = w.data[w.offset + (c * kH + i) * kW + j]!;
          const shiftW = j * dilationW - padW;
          const [q0, q1] = validRange(outW, inW, strideW, shiftW);
          for (let p = 0; p < outH; p++) {
            const h = p * strideH + shiftH;
            if (h < 0 || h >= inH) continue;
            let s = xPlane + h * inW + q0 * strideW + shiftW;
            const row = yPlane + p * outW;
            for (let q = q0; q < q1; q++, s += strideW) out[row + q] = out[row + q]! + weight * x.data[s]!;
          }
        }
      }
    }
  }
}

function depthwiseTranspose(out: FloatStorage, y: DenseOperand, w: DenseOperand, g: ConvGeometry): void {
  out.fill(0);
  const { inH, inW, outH, outW, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  for (let n = 0; n < g.batch; n++) {
    for (let c = 0; c < g.groups; c++) {
      const xPlane = (n * g.groups + c) * inH * inW;
      const yPlane = y.offset + (n * g.groups + c) * outH * outW;
      for (let i = 0; i < kH; i++) {
        const shiftH = i * dilationH - padH;
        for (let j = 0; j < kW; j++) {
          const weight = w.data[w.offset + (c * kH + i) * kW + j]!;
          const shiftW = j * dilationW - padW;
          const [q0, q1] = validRange(outW, inW, strideW, shiftW);
          for (let p = 0; p < outH; p++) {
            const h = p * strideH + shiftH;
            if (h < 0 || h >= inH) continue;
            let s = xPlane + h * inW + q0 * strideW + shiftW;
            const row = yPlane + p * outW;
            for (let q = q0; q < q1; q++, s += strideW) out[s] = out[s]! + weight * y.data[row + q]!;
          }
        }
      }
    }
  }
}

function depthwiseWeight(out: FloatStorage, x: DenseOperand, y: DenseOperand, g: ConvGeometry): void {
  out.fill(0);
  const { inH, inW, outH, outW, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  for (let n = 0; n < g.batch; n++) {
    for (let c = 0; c < g.groups; c++) {
      const xPlane = x.offset + (n * g.groups + c) * inH * inW;
      const yPlane = y.offset + (n * g.groups + c) * outH * outW;
      for (let i = 0; i < kH; i++) {
        const shiftH = i * dilationH - padH;
        for (let j = 0; j < kW; j++) {
          const shiftW = j * dilationW - padW;
          const [q0, q1] = validRange(outW, inW, strideW, shiftW);
          let sum = 0;
          for (let p = 0; p < outH; p++) {
            const h = p * strideH + shiftH;
            if (h < 0 || h >= inH) continue;
            let s = xPlane + h * inW + q0 * strideW + shiftW;
            const row = yPlane + p * outW;
            for (let q = q0; q < q1; q++, s += strideW) sum += y.data[row + q]! * x.data[s]!;
          }
          const at = (c * kH + i) * kW + j;
          out[at] = out[at]! + sum;
        }
      }
    }
  }
}

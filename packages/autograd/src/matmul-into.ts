/**
 * `matmulInto`: one matrix product on typed arrays, with no tensors around it, for the kernels of
 * other packages (@nn/linalg's blocked factorizations run their trailing updates through it). The
 * operands are strided views into any Float32Array or Float64Array, so a block of a larger matrix,
 * or its transpose, is multiplied where it lies, and the result goes into an array the caller owns
 * and reuses: a call allocates no typed array.
 */
import { matmulKernelFor } from './kernels/matrix-product.js';

/** A rows x cols matrix read from `data`: entry (i, j) is `data[offset + i * rowStride + j * colStride]`. */
export interface MatrixView {
  readonly data: Float32Array | Float64Array;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/**
 * out[i * n + j] = sum over p of A[i][p] B[p][j], for A m x k and B k x n read through their views;
 * the first m * n entries of `out` are overwritten (row-major, dense). Sums run in `out`'s precision
 * (operands of the other float type are converted), on the kernel that `matmul` would choose for the
 * same sizes under the backend setting, threads included. Products of the same operands give the
 * same bits as `matmul` of tensors over the same values.
 * Bad sizes, a view reaching outside its array, or an `out` that overlaps an operand are errors.
 *
 * ```ts
 * import { matmulInto } from '@nn/autograd/wasm';
 * const a = new Float64Array([1, 2, 3, 4]); // [[1, 2], [3, 4]]
 * const out = new Float64Array(4);
 * matmulInto(out, { data: a, offset: 0, rowStride: 2, colStride: 1 }, { data: a, offset: 0, rowStride: 1, colStride: 2 }, 2, 2, 2);
 * // out = A A^T = [5, 11, 11, 25]
 * ```
 */
export function matmulInto(out: Float32Array | Float64Array, a: MatrixView, b: MatrixView, m: number, k: number, n: number): void {
  // Plain tests, no arrays or closures: the blocked factorizations call this hundreds of times per matrix.
  checkSize('m', m);
  checkSize('k', k);
  checkSize('n', n);
  if (!(out instanceof Float32Array || out instanceof Float64Array)) throw new TypeError('matmulInto: out must be a Float32Array or a Float64Array');
  if (out.length < m * n) throw new RangeError(`matmulInto: out holds ${out.length} values, the ${m}x${n} product needs ${m * n}`);
  checkView('A', a, m, k, out, m * n);
  checkView('B', b, k, n, out, m * n);
  const left = { data: a.data, offset: a.offset, rowStride: a.rowStride, colStride: a.colStride, batchStrides: NO_BATCH };
  const right = { data: b.data, offset: b.offset, rowStride: b.rowStride, colStride: b.colStride, batchStrides: NO_BATCH };
  matmulKernelFor(m, k, n)(out, left, right, NO_BATCH, m, k, n);
}

const NO_BATCH: readonly number[] = [];

function checkSize(name: string, size: number): void {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`matmulInto: ${name} must be an integer >= 0, got ${size}`);
}

function checkInteger(name: string, field: string, value: number): void {
  if (!Number.isInteger(value)) throw new RangeError(`matmulInto: ${name}.${field} must be an integer, got ${value}`);
}

/** The view must be a float array whose rows x cols entries all lie inside it, apart from out's first `outLength`. */
function checkView(name: string, view: MatrixView, rows: number, cols: number, out: Float32Array | Float64Array, outLength: number): void {
  const { data, offset, rowStride, colStride } = view;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) throw new TypeError(`matmulInto: ${name}.data must be a Float32Array or a Float64Array`);
  checkInteger(name, 'offset', offset);
  checkInteger(name, 'rowStride', rowStride);
  checkInteger(name, 'colStride', colStride);
  if (rows === 0 || cols === 0) return;
  const low = offset + Math.min(0, (rows - 1) * rowStride) + Math.min(0, (cols - 1) * colStride);
  const high = offset + Math.max(0, (rows - 1) * rowStride) + Math.max(0, (cols - 1) * colStride);
  if (low < 0 || high >= data.length) {
    throw new RangeError(`matmulInto: the ${rows}x${cols} view ${name} (offset ${offset}, strides ${rowStride}, ${colStride}) reaches elements ${low} to ${high} of an array of ${data.length}`);
  }
  if (data.buffer === out.buffer && outLength > 0) {
    const bytes = data.BYTES_PER_ELEMENT;
    const start = data.byteOffset + low * bytes;
    const end = data.byteOffset + (high + 1) * bytes;
    const outStart = out.byteOffset;
    const outEnd = out.byteOffset + outLength * out.BYTES_PER_ELEMENT;
    if (start < outEnd && outStart < end) throw new RangeError(`matmulInto: out overlaps ${name}`);
  }
}

/**
 * The matrix products of the blocked kernels on blocks of a row-major matrix (rows `ld` apart), and
 * the copies around them: the trailing updates of the recursive factorizations.
 */

/**
 * C = A B for row-major A (m x k) and B (k x n), or C = A B^T for B given as n x k when
 * `bTransposed`, as a new array: the product the eigen and SVD kernels pass around (gemm.ts's).
 */
export type Multiply = (a: Float64Array, b: Float64Array, m: number, k: number, n: number, bTransposed?: boolean) => ArrayLike<number>;

/** A matrix read from `data`: entry (i, j) is `data[offset + i * rowStride + j * colStride]`. */
export interface Float64View {
  readonly data: Float64Array;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/**
 * out[0 .. m n) = A B for A (m x k) and B (k x n) read through their views, `out` disjoint from
 * both: the product the factorizations multiply blocks in place with (gemm.ts's, @nn/autograd's
 * `matmulInto`), passed in.
 */
export type Gemm = (out: Float64Array, a: Float64View, b: Float64View, m: number, k: number, n: number) => void;

/** The block of `a` at `offset`, rows `ld` apart, as a view; `transposed` reads it as its transpose. */
export function blockView(a: Float64Array, offset: number, ld: number, transposed = false): Float64View {
  return transposed ? { data: a, offset, rowStride: 1, colStride: ld } : { data: a, offset, rowStride: ld, colStride: 1 };
}

/**
 * What the blocked factorizations multiply blocks with: `gemm`, the array a product to subtract is
 * written into, and the subtraction (`subtractBlock`'s contract). `jsProducts` keeps the product in
 * a reused JavaScript array and subtracts in JavaScript; ./lu-wasm.ts keeps it beside the matrix in
 * a WebAssembly memory and subtracts there.
 */
export interface BlockProducts {
  readonly gemm: Gemm;
  /** An array of at least `size` values, valid until the next call. */
  productArray(size: number): Float64Array;
  readonly subtract: (c: Float64Array, offset: number, ld: number, p: Float64Array, rows: number, cols: number, lower: boolean) => void;
}

/** The array products are written into before they are subtracted, grown to the largest seen. */
let productScratch = new Float64Array(0);

/** `gemm` with the product in a reused array and `subtractBlock`. */
export function jsProducts(gemm: Gemm): BlockProducts {
  return {
    gemm,
    productArray: (size) => {
      if (productScratch.length < size) productScratch = new Float64Array(Math.max(size, 2 * productScratch.length));
      return productScratch;
    },
    subtract: subtractBlock,
  };
}

/**
 * C -= A B (or A B^T) computed by `gemm` for the blocks of `a` given by their offsets (C m x n,
 * A m x k, B k x n or n x k), with only C's lower triangle when `lower`: the product goes into the
 * products' array, then is subtracted.
 */
function subtractGemm(
  a: Float64Array, cOff: number, aOff: number, bOff: number, ld: number,
  m: number, k: number, n: number, bTransposed: boolean, products: BlockProducts, lower = false,
): void {
  const product = products.productArray(m * n);
  products.gemm(product, blockView(a, aOff, ld), blockView(a, bOff, ld, bTransposed), m, k, n);
  products.subtract(a, cOff, ld, product, m, n, lower);
}

/** The array `gatherBlock` reuses, grown to the largest block seen (saving an allocation and its zero fill a call). */
let gatherScratch = new Float64Array(0);

/**
 * The rows x cols block of `a` at `offset` (rows `ld` apart), as a dense row-major view of a reused
 * array: valid until the next call (a product that reads it is done with it when it returns).
 */
export function gatherBlock(a: Float64Array, offset: number, ld: number, rows: number, cols: number): Float64Array {
  const size = rows * cols;
  if (gatherScratch.length < size) gatherScratch = new Float64Array(Math.max(size, 2 * gatherScratch.length));
  const out = gatherScratch.subarray(0, size);
  if (cols === ld) {
    out.set(a.subarray(offset, offset + rows * cols));
    return out;
  }
  for (let i = 0; i < rows; i++) out.set(a.subarray(offset + i * ld, offset + i * ld + cols), i * cols);
  return out;
}

/**
 * c[block] -= p for the rows x cols block of `c` at `offset` (rows `ld` apart) and the dense
 * row-major p; with `lower`, only the entries on and below the block's diagonal (the rest of p is
 * ignored).
 */
export function subtractBlock(c: Float64Array, offset: number, ld: number, p: ArrayLike<number>, rows: number, cols: number, lower = false): void {
  for (let i = 0; i < rows; i++) {
    const row = offset + i * ld;
    const from = i * cols;
    const end = lower ? Math.min(cols, i + 1) : cols;
    for (let j = 0; j < end; j++) c[row + j]! -= p[from + j]!;
  }
}

/** Rows of C per product in `subtractLowerProduct`. */
const LOWER_CHUNK = 96;

/**
 * The lower triangle of the m x m block of `c` at `offset` (rows `ld` apart) takes -= L R^T, for
 * dense row-major L and R (m x depth): the rows go in chunks, each multiplied by the rows of R up to
 * its last row, so that about half of the full square product's work is done.
 */
export function subtractLowerProduct(
  c: Float64Array, offset: number, ld: number, left: Float64Array, right: Float64Array, m: number, depth: number, multiply: Multiply,
): void {
  for (let r0 = 0; r0 < m; r0 += LOWER_CHUNK) {
    const r1 = Math.min(m, r0 + LOWER_CHUNK);
    const product = multiply(left.subarray(r0 * depth, r1 * depth), right.subarray(0, r1 * depth), r1 - r0, depth, r1, true);
    for (let i = r0; i < r1; i++) {
      const row = offset + i * ld;
      const p = (i - r0) * r1;
      for (let j = 0; j <= i; j++) c[row + j]! -= product[p + j]!;
    }
  }
}

/**
 * Products of up to this many multiply-adds are done by the loop in `subtractProduct`: below it, the
 * call into `gemm` (staging both operands, copying the product out) costs more than the loop. Since
 * `gemm` allocates nothing (it was a matmul of tensors, three fresh arrays a call, with the crossover
 * at 16384), 4096 measured best: a 256 solve 1.90 against 2.03 ms at 16384, alternating in one process.
 */
let smallProduct = 4096;

/** The inverse of a solve's diagonal block (`inverseScratch`) and the products that replace blocks (`replaceByProduct`), grown to the largest seen. */
let inverseArray = new Float64Array(0);
let replaceArray = new Float64Array(0);

/** A reused array of at least order x order values, for the inverse of a small diagonal block. */
export function inverseScratch(order: number): Float64Array {
  if (inverseArray.length < order * order) inverseArray = new Float64Array(order * order);
  return inverseArray;
}

/**
 * The rows x cols block of `a` at `offset` (rows `ld` apart) replaced by the product of `left`
 * (rows x depth) and `right` (depth x cols), which may read that block: `gemm` writes a reused
 * scratch, then the rows are copied in.
 */
export function replaceByProduct(a: Float64Array, offset: number, ld: number, rows: number, depth: number, cols: number, left: Float64View, right: Float64View, { gemm }: BlockProducts): void {
  if (replaceArray.length < rows * cols) replaceArray = new Float64Array(Math.max(rows * cols, 2 * replaceArray.length));
  gemm(replaceArray, left, right, rows, depth, cols);
  for (let i = 0; i < rows; i++) a.set(replaceArray.subarray(i * cols, (i + 1) * cols), offset + i * ld);
}

/** Whether a product of this many multiply-adds takes the in-place loops rather than `gemm`. */
export function isSmallProduct(multiplyAdds: number): boolean {
  return multiplyAdds <= smallProduct;
}

/** Sets the size below which products take the loop, and returns the previous value: for tests, to run both paths at small sizes. */
export function setSmallProduct(multiplyAdds: number): number {
  const previous = smallProduct;
  smallProduct = multiplyAdds;
  return previous;
}

/**
 * C -= A B (or A B^T when `bTransposed`) for blocks of one row-major array `a` (rows `ld` apart):
 * C m x n at `cOff`, A m x k at `aOff`, B k x n at `bOff` (n x k when transposed). C must not
 * overlap A or B. Small products run as a loop in place (unit-stride axpys along rows of B, or dot
 * products of rows when transposed); larger ones go to `gemm`, which reads the blocks where they lie.
 * With `lower`, C is square and only its lower triangle changes.
 */
export function subtractProduct(
  a: Float64Array, cOff: number, aOff: number, bOff: number, ld: number,
  m: number, k: number, n: number, bTransposed: boolean, products: BlockProducts, lower = false,
): void {
  if (m === 0 || n === 0 || k === 0) return;
  if (m * k * n > smallProduct) {
    subtractGemm(a, cOff, aOff, bOff, ld, m, k, n, bTransposed, products, lower);
    return;
  }
  for (let i = 0; i < m; i++) {
    const rowC = cOff + i * ld;
    const rowA = aOff + i * ld;
    const end = lower ? i + 1 : n;
    if (bTransposed) {
      for (let j = 0; j < end; j++) {
        const rowB = bOff + j * ld;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[rowA + p]! * a[rowB + p]!;
        a[rowC + j]! -= s;
      }
    } else {
      for (let p = 0; p < k; p++) {
        const f = a[rowA + p]!;
        const rowB = bOff + p * ld;
        for (let j = 0; j < end; j++) a[rowC + j]! -= f * a[rowB + j]!;
      }
    }
  }
}

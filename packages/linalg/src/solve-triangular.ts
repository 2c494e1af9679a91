/**
 * solveTriangular: X with A X = B (or X A = B), A triangular, as torch.linalg.solve_triangular.
 * Gradient (Giles 2008): for A X = B, gB = A^-T gX (a triangular solve with the transposed triangle)
 * and gA = -gB X^T kept to A's triangle (its strict triangle when unitriangular), since only that
 * triangle is an input. Both are tensor ops, solveTriangular among them, so it differentiates again.
 */
import { Tensor, checkOptions, defineOp, matmul, tril, triu } from '@nn/autograd';
import { readBatch, toTensor } from './batch.js';
import { solveTriangularInPlace } from './kernels/triangular.js';
import { mT } from './matrix.js';
import { broadcastBatch, checkMatrices, checkSameDtype, checkSquare, formatShape } from './shape.js';


/** Options of `solveTriangular`, as torch.linalg.solve_triangular's. */
export interface SolveTriangularOptions {
  /** Whether A is upper (true) or lower (false) triangular; required, as in PyTorch. */
  upper: boolean;
  /** true (default): solve A X = B; false: solve X A = B. */
  left?: boolean;
  /** Take A's diagonal as ones without reading it (default false). */
  unitriangular?: boolean;
}

const OP = 'linalg.solve_triangular';

/** The left solve A X = B for one choice of triangle and diagonal: one registered op per choice. */
function makeLeftSolve(upper: boolean, unit: boolean): (a: Tensor, b: Tensor) => Tensor {
  return defineOp({
    name: OP,
    forward: (a, b) => {
      const batchShape = broadcastBatch(OP, a.shape.slice(0, -2), b.shape.slice(0, -2), a.shape, b.shape);
      const ab = readBatch(a, batchShape);
      const bb = readBatch(b, batchShape);
      const n = ab.rows;
      const k = bb.cols;
      for (let i = 0; i < ab.count; i++) solveTriangularInPlace(ab.data, i * n * n, n, bb.data, i * n * k, k, upper, unit);
      return toTensor(bb.data, [...batchShape, n, k], a.dtype);
    },
    backward: (gX, { inputs: [a], output: x, needsInputGrad }) => {
      const gB = leftSolves.get(key(!upper, unit))!(mT(a!), gX);
      if (!needsInputGrad[0]) return [null, gB];
      const outer = matmul(gB, mT(x)).neg();
      const gA = upper ? triu(outer, unit ? 1 : 0) : tril(outer, unit ? -1 : 0);
      return [gA, gB];
    },
  }) as (a: Tensor, b: Tensor) => Tensor;
}

const key = (upper: boolean, unit: boolean): string => `${upper ? 'U' : 'L'}${unit ? '1' : ''}`;
const leftSolves = new Map<string, (a: Tensor, b: Tensor) => Tensor>();
for (const upper of [false, true]) for (const unit of [false, true]) leftSolves.set(key(upper, unit), makeLeftSolve(upper, unit));

/**
 * The solution X of A X = B (`left`, the default) or X A = B, for A triangular: only A's upper or lower
 * triangle is read (and not its diagonal when `unitriangular`). Batched with broadcasting over the
 * leading axes; A is `[..., n, n]`, B `[..., n, k]` (left) or `[..., k, n]` (right). As PyTorch, a zero
 * on A's diagonal is not checked: it gives inf or NaN. Computed in float64 (a float32 result is rounded
 * once), n^2 k multiply-adds per matrix.
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { solveTriangular } from '@nn/linalg';
 * const x = solveTriangular(tensor([[2, 0], [1, 1]]), tensor([[2], [3]]), { upper: false }); // [[1], [2]]
 * ```
 */
export function solveTriangular(a: Tensor, b: Tensor, opts: SolveTriangularOptions): Tensor {
  if (typeof opts !== 'object' || opts === null) throw new Error(`${OP}: options { upper } are required (got ${String(opts)})`);
  checkOptions(OP, opts, ['upper', 'left', 'unitriangular']);
  const { upper, left = true, unitriangular = false } = opts;
  if (typeof upper !== 'boolean') throw new Error(`${OP}: upper must be true or false, got ${String(upper)}`);
  if (typeof left !== 'boolean' || typeof unitriangular !== 'boolean') throw new Error(`${OP}: left and unitriangular must be booleans`);
  const n = checkSquare(OP, a);
  checkMatrices(OP, b, 'B');
  checkSameDtype(OP, a, b);
  const along = left ? b.shape[b.ndim - 2]! : b.shape[b.ndim - 1]!;
  if (along !== n) {
    throw new Error(
      `${OP}: Incompatible shapes of A and B for the equation ${left ? 'AX = B' : 'XA = B'} (${n}x${n} and ${b.shape[b.ndim - 2]}x${b.shape[b.ndim - 1]}; A ${formatShape(a.shape)}, B ${formatShape(b.shape)})`,
    );
  }
  broadcastBatch(OP, a.shape.slice(0, -2), b.shape.slice(0, -2), a.shape, b.shape);
  if (left) return leftSolves.get(key(upper, unitriangular))!(a, b);
  // X A = B is A^T X^T = B^T: the transposed triangle, solved from the left.
  return mT(leftSolves.get(key(!upper, unitriangular))!(mT(a), mT(b)));
}

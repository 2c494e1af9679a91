/**
 * eigh: the eigendecomposition A = V diag(w) V^T of a symmetric matrix, as torch.linalg.eigh.
 *
 * Gradients (PyTorch's linalg_eig_backward for Hermitian input): the eigenvalues give
 * gA = V diag(gw) V^T, exact whatever the spectrum; the eigenvectors give
 * gA = V ((X - X^T) / 2 / E) V^T with X = V^T gV and E_ij = w_j - w_i (off the diagonal), which is
 * infinite or NaN where eigenvalues repeat, as PyTorch's. Both are symmetric: the gradient for a
 * symmetric input (the triangle that is not read gets the same gradient as the one that is), as in
 * PyTorch. Written in tensor ops on the outputs, so they differentiate again.
 */
import { Tensor, checkOptions, matmul } from '@nn/autograd';
import { batchPrefix, readBatch, toTensor } from './batch.js';
import { multiply } from './gemm.js';
import { symmetricEigen } from './kernels/symmetric-eigen.js';
import { mT } from './matrix.js';
import { gaps, scaleColumns } from './matrix-parts.js';
import { checkSquare } from './shape.js';
import { shareFactorization } from './shared-factorization.js';

const OP = 'linalg.eigh';

/** Options of `eigh`. */
export interface EighOptions {
  /** Which triangle of A is read: 'L' (lower, default) or 'U' (upper). */
  uplo?: 'L' | 'U';
}

/** The results of `eigh`. */
export interface EighResult {
  /** `[..., n]`, ascending. */
  eigenvalues: Tensor;
  /** `[..., n, n]`: column i is the unit eigenvector of eigenvalues[i]. */
  eigenvectors: Tensor;
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors of a batch of symmetric matrices
 * `[..., n, n]`, of which only the `uplo` triangle is read. Householder tridiagonalization (blocked
 * from n = 64), the implicit QL algorithm for the eigenvalues and, from n = 64, inverse iteration for
 * the eigenvectors of the tridiagonal, in float64 (about 10/3 n^3 flops from n = 64, mostly in
 * matmul; about 9 n^3 below; a float32 result is rounded once).
 * Eigenvectors are defined up to sign: each is returned with its component of largest magnitude
 * positive (LAPACK's, and so PyTorch's, signs are arbitrary). A non-finite input gives NaN.
 * Differentiable twice; eigenvector gradients need distinct eigenvalues (see the module note).
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { eigh } from '@nn/linalg';
 * const { eigenvalues, eigenvectors } = eigh(tensor([[2, 1], [1, 2]])); // [1, 3]; [[-0.707, 0.707], [0.707, 0.707]]
 * ```
 */
export function eigh(a: Tensor, opts: EighOptions = {}): EighResult {
  checkOptions(OP, opts, ['uplo']);
  const { uplo = 'L' } = opts;
  if (uplo !== 'L' && uplo !== 'U') throw new Error(`${OP}: Expected UPLO argument to be 'L' or 'U', but got ${String(uplo)}`);
  checkSquare(OP, a);
  const batch = readBatch(a);
  const n = batch.rows;
  const values = new Float64Array(batch.count * n);
  const vectors = new Float64Array(batch.count * n * n);
  for (let b = 0; b < batch.count; b++) {
    const result = symmetricEigen(batch.data, b * n * n, n, uplo, multiply);
    if (!result.converged) {
      throw new Error(`${batchPrefix(OP, batch.batchShape, b)}The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated eigenvalues.`);
    }
    values.set(result.values, b * n);
    // vectorsT holds V^T: transpose it into V.
    const base = b * n * n;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors[base + i * n + j] = result.vectorsT[j * n + i]!;
  }
  const w = toTensor(values, [...batch.batchShape, n], a.dtype);
  const v = toTensor(vectors, a.shape, a.dtype);
  const [eigenvalues, eigenvectors] = shareFactorization(OP, a, [w, v], [
    (gw, [, vOut]) => matmul(scaleColumns(vOut!, gw), mT(vOut!)),
    (gV, [wOut, vOut]) => {
      const x = matmul(mT(vOut!), gV);
      const inner = x.sub(mT(x)).mul(0.5).div(gaps(wOut!));
      return matmul(matmul(vOut!, inner), mT(vOut!));
    },
  ]);
  return { eigenvalues: eigenvalues!, eigenvectors: eigenvectors! };
}

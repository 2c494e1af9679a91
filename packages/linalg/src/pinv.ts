/**
 * pinv: the Moore-Penrose pseudoinverse, as torch.linalg.pinv with its default tolerance.
 *
 * Gradient (Golub and Pereyra 1973; PyTorch's pinv_backward), for P = pinv(A) of locally constant
 * rank: gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A). It needs no singular vectors,
 * so it is exact when singular values repeat; it is written in tensor ops on A and P, so it
 * differentiates again.
 */
import { Tensor, defineOp, matmul } from '@nn/autograd';
import { batchPrefix, readBatch, toTensor } from './batch.js';
import { multiply } from './gemm.js';
import { singularValueDecomposition } from './kernels/svd.js';
import { mT } from './matrix.js';
import { checkMatrices } from './shape.js';

const OP = 'linalg.pinv';

/** The machine epsilon of each float dtype: the default relative tolerance is max(m, n) of it. */
const EPSILON = { float32: 2 ** -23, float64: 2 ** -52 } as const;

const pinvOp = defineOp({
  name: OP,
  forward: (a) => {
    const batch = readBatch(a);
    const { rows: m, cols: n, count } = batch;
    const k = Math.min(m, n);
    const rtol = EPSILON[a.dtype as 'float32' | 'float64'] * Math.max(m, n);
    const out = new Float64Array(count * n * m);
    for (let b = 0; b < count; b++) {
      const { s, u, vh, converged } = singularValueDecomposition(batch.data, b * m * n, m, n, false, true, multiply);
      if (!converged) throw new Error(`${batchPrefix(OP, batch.batchShape, b)}The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated singular values.`);
      // P = V diag(1 / s) U^T over the singular values above rtol * s_max (the others count as 0).
      const cutoff = rtol * (k > 0 ? s[0]! : 0);
      const base = b * n * m;
      for (let c = 0; c < k; c++) {
        const sc = s[c]!;
        // NaN singular values (a NaN input) are kept so that NaN propagates.
        if (!(sc > cutoff) && sc === sc) continue;
        const inv = 1 / sc;
        for (let i = 0; i < n; i++) {
          const vi = vh[c * n + i]! * inv;
          for (let j = 0; j < m; j++) out[base + i * m + j] = out[base + i * m + j]! + vi * u[j * k + c]!;
        }
      }
    }
    return toTensor(out, [...batch.batchShape, n, m], a.dtype as 'float32' | 'float64');
  },
  backward: (g, { inputs: [a], output: p }) => {
    const t1 = matmul(matmul(mT(p), g), mT(p));
    const x = matmul(matmul(mT(g), p), mT(p));
    const t2 = x.sub(matmul(a!, matmul(p, x)));
    const y = matmul(matmul(mT(p), p), mT(g));
    const t3 = y.sub(matmul(matmul(y, p), a!));
    return [t2.add(t3).sub(t1)];
  },
});

/**
 * The pseudoinverse of a batch of m x n matrices `[..., m, n]` (result `[..., n, m]`), through the
 * SVD: P = V diag(1 / S) U^T over the singular values above max(m, n) * eps * S_max (eps of A's
 * dtype: torch.linalg.pinv's default rtol); the others count as zero. Differentiable twice where
 * the rank does not change (see the module note).
 *
 * ```ts
 * import { tensor } from '@nn/autograd';
 * import { pinv } from '@nn/linalg';
 * const p = pinv(tensor([[1, 2], [2, 4]])); // [[0.04, 0.08], [0.08, 0.16]]
 * ```
 */
export function pinv(a: Tensor): Tensor {
  checkMatrices(OP, a);
  return pinvOp(a);
}

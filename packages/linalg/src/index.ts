/**
 * @nn/linalg: linear algebra with gradients (as torch.linalg), batched over leading axes, float32
 * and float64. Every function is a differentiable op of @nn/autograd whose backward rule is written
 * in tensor ops, so it can be differentiated again.
 */
export { cholesky, type CholeskyOptions } from './cholesky.js';
export { solveTriangular, type SolveTriangularOptions } from './solve-triangular.js';
export { qr, type QrOptions, type QrResult } from './qr.js';
export { eigh, type EighOptions, type EighResult } from './eigh.js';
export { svd, svdvals, type SvdOptions, type SvdResult } from './svd.js';
export { pinv } from './pinv.js';
export { solve } from './solve.js';
export { inv } from './inv.js';
export { det, slogdet, type SlogdetResult } from './det.js';
export { lstsq, type LstsqResult } from './lstsq.js';
export { matrixExp } from './matrix-exp.js';
export { matrixNorm, type MatrixNormOptions, type MatrixNormOrd } from './matrix-norm.js';

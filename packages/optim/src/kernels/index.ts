/**
 * The kernels the update rules call: the loops of ./loops.ts, with the hot ones (`mul_`, `add_` and
 * the fused Adam, RMSprop and Adagrad steps) running on WebAssembly SIMD (./wasm.ts) for large
 * arrays. Both give the same bits; `setBackend` from @nn/autograd forces either.
 */
import type { Storage } from '@nn/autograd';
import { runsOnWasm } from '@nn/autograd/wasm';
import * as loops from './loops.js';
import { adagradWasm, adamWasm, axpyWasm, rmspropWasm, scaleWasm } from './wasm.js';

export { clone } from './loops.js';

/**
 * Arrays of at least these many elements go to WebAssembly under the 'auto' backend; below, the
 * fixed cost of a call (staging, one to two microseconds) is more than the loop it replaces.
 * Measured (float32, Node 20, JS loop / WebAssembly): `add_` at 256 elements 1.05 / 2.08 us, at 512
 * 1.18 / 1.14, at 1024 3.2 / 1.8; `adamStep_`, whose loop is slow, at 64 elements 30 / 5.7 us. The
 * fused steps (Adam, RMSprop, Adagrad: a square root and divisions an element) go from 64.
 */
const SIMPLE_FROM = 512;
const FUSED_FROM = 64;

/** `x.mul_(s)` */
export function mul_(x: Storage, s: number): void {
  if (!(runsOnWasm(x.length >= SIMPLE_FROM) && scaleWasm(x, s))) loops.mul_(x, s);
}

/** `x.add_(y, alpha=alpha)`: x + alpha * y */
export function add_(x: Storage, y: Storage, alpha = 1): void {
  if (!(runsOnWasm(x.length >= SIMPLE_FROM) && axpyWasm(x, y, alpha))) loops.add_(x, y, alpha);
}

/** One Adam (or AdamW) step over every element, fused (see `loops.adamStep_`). */
export function adamStep_(param: Storage, grad: Storage, expAvg: Storage, expAvgSq: Storage, maxExpAvgSq: Storage | null, k: loops.AdamCoefficients): void {
  if (!(runsOnWasm(param.length >= FUSED_FROM) && adamWasm(param, grad, expAvg, expAvgSq, maxExpAvgSq, k))) loops.adamStep_(param, grad, expAvg, expAvgSq, maxExpAvgSq, k);
}

/** One RMSprop step over every element, fused (see `loops.rmspropStep_`). */
export function rmspropStep_(param: Storage, grad: Storage, squareAvg: Storage, gradAvg: Storage | null, momentumBuffer: Storage | null, k: loops.RmspropCoefficients): void {
  if (!(runsOnWasm(param.length >= FUSED_FROM) && rmspropWasm(param, grad, squareAvg, gradAvg, momentumBuffer, k))) loops.rmspropStep_(param, grad, squareAvg, gradAvg, momentumBuffer, k);
}

/** One Adagrad step over every element, fused (see `loops.adagradStep_`). */
export function adagradStep_(param: Storage, grad: Storage, sum: Storage, k: loops.AdagradCoefficients): void {
  if (!(runsOnWasm(param.length >= FUSED_FROM) && adagradWasm(param, grad, sum, k))) loops.adagradStep_(param, grad, sum, k);
}

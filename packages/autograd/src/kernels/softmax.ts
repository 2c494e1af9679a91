/**
 * softmax and logSoftmax along one axis, fused: one call computes what the chain max, subtract, exp,
 * sum, log (or divide) computes, each step rounded to the dtype as that op would store it, so the
 * values are the chain's without its five intermediate tensors: bit for bit in float64; in float32 the
 * exp is `exp32` (a polynomial, far cheaper than Math.exp), so a value may lie one float32 ulp from
 * the chain's where e^x falls that close to a rounding boundary.
 *
 * The input is contiguous, seen as [outer, length, inner] with the softmax axis in the middle. Loop
 * order: for each (outer, inner) line, three passes along the axis (maximum; shift, exp and sum;
 * the result), the line's elements `inner` apart. Sums are float64, in order, as the sum kernel's.
 */
import type { Storage } from '../dtype.js';
import { exp32 } from './exp32.js';

export function softmaxKernel(out: Storage, x: Storage, outer: number, length: number, inner: number, log: boolean): void {
  const f32 = out instanceof Float32Array;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * length * inner + i;
      const end = start + length * inner;
      // The shift is the maximum (a NaN wins, as in the max reduction), even when infinite, as in
      // PyTorch: a line holding +Infinity or NaN, or only -Infinity, is NaN everywhere.
      let shift = -Infinity;
      for (let p = start; p < end; p += inner) if (x[p]! > shift || x[p] !== x[p]) shift = x[p]!;
      // Each store into out rounds to the dtype, as each op of the chain would. logSoftmax keeps the
      // shifted values in out for its last pass; softmax keeps the exponentials (one exp each).
      let sum = 0;
      if (log) {
        for (let p = start; p < end; p += inner) {
          out[p] = x[p]! - shift;
          sum += f32 ? Math.fround(exp32(out[p]!)) : Math.exp(out[p]!);
        }
        const total = f32 ? Math.fround(sum) : sum;
        const logTotal = f32 ? Math.fround(Math.log(total)) : Math.log(total);
        for (let p = start; p < end; p += inner) out[p] = out[p]! - logTotal;
      } else if (f32) {
        for (let p = start; p < end; p += inner) {
          out[p] = x[p]! - shift;
          out[p] = exp32(out[p]!);
          sum += out[p]!;
        }
        const total = Math.fround(sum);
        for (let p = start; p < end; p += inner) out[p] = out[p]! / total;
      } else {
        for (let p = start; p < end; p += inner) {
          out[p] = x[p]! - shift;
          out[p] = Math.exp(out[p]!);
          sum += out[p]!;
        }
        const total = f32 ? Math.fround(sum) : sum;
        for (let p = start; p < end; p += inner) out[p] = out[p]! / total;
      }
    }
  }
}

/**
 * The loops of the fused GRU layer op (../gru-sequence.ts): the gate arithmetic of one time step,
 * forward and backward, in one pass over the [N, H] units of the step.
 *
 * Layout. `xp` holds a step's input projection x W_ih^T + b_ih, row n = [r | z | n] (each H wide),
 * `hp` the recurrent product h W_hh^T (without b_hh, which is added here from `bias`). The op's output
 * `y` is [5, T, N, H]: the planes h, r, z, n and hn = W_hn h + b_hn of every step (the backward reads
 * them instead of recomputing them). PyTorch's equations: r = sigmoid(x_r + h_r), z = sigmoid(x_z +
 * h_z), n = tanh(x_n + r * hn), h' = n + z * (h - n). A value is computed in float64 and rounded once
 * when stored.
 */
import { runsOnWasm } from '@nn/autograd/wasm';
import { sigmoid, sigmoid32, tanh32 } from './gate-math.js';
import { gruStepForwardWasm } from './gates-wasm.js';
import type { StepLayout, Storage } from './lstm.js';

/**
 * One forward step into the five planes of `y` at the step. `xp`, `hp` are row-major [N, 3H] from
 * their offsets, `bias` [3H] (b_hh), `h` the previous state, row-major [N, H] from `hOffset`.
 */
export function gruStepForward(step: StepLayout, xp: Storage, xpOffset: number, hp: Storage, hpOffset: number, bias: Storage, h: Storage, hOffset: number): void {
  const { y, plane, at, batch, hidden } = step;
  const width = 3 * hidden;
  const f32 = y instanceof Float32Array;
  // float32 on WebAssembly SIMD where the backend allows (float32 arithmetic, within a few ulps); the loop below otherwise.
  if (f32 && xp instanceof Float32Array && hp instanceof Float32Array && bias instanceof Float32Array && h instanceof Float32Array && runsOnWasm(true)
    && gruStepForwardWasm(step, xp, xpOffset, hp, hpOffset, bias, h, hOffset)) return;
  for (let row = 0; row < batch; row++) {
    const x0 = xpOffset + row * width;
    const h0 = hpOffset + row * width;
    const out = at + row * hidden;
    const state = hOffset + row * hidden;
    for (let j = 0; j < hidden; j++) {
      const pr = xp[x0 + j]! + (hp[h0 + j]! + bias[j]!);
      const pz = xp[x0 + hidden + j]! + (hp[h0 + hidden + j]! + bias[hidden + j]!);
      const k = out + j;
      y[plane + k] = f32 ? sigmoid32(pr) : sigmoid(pr);
      y[2 * plane + k] = f32 ? sigmoid32(pz) : sigmoid(pz);
      y[4 * plane + k] = hp[h0 + 2 * hidden + j]! + bias[2 * hidden + j]!;
      // Read back the rounded values, so the step is the chain of rounded ops the tensor form computes.
      const pn = xp[x0 + 2 * hidden + j]! + y[plane + k]! * y[4 * plane + k]!;
      y[3 * plane + k] = f32 ? tanh32(pn) : Math.tanh(pn);
      const n = y[3 * plane + k]!;
      y[k] = n + y[2 * plane + k]! * (h[state + j]! - n);
    }
  }
}

/**
 * One backward step. `gy` is the output's gradient ([5, T, N, H], row-major, like `y`); `dh` the
 * gradient reaching h' through the later steps' products (row-major [N, H] from `dhOffset`, or null);
 * `direct` (row-major [N, H] from 0) the gradient reaching h' directly, through the later step's
 * z * h, replaced here by the same for the previous h; `h` that previous h. Writes the gradients of
 * the step's input projection into `dxp` and of its recurrent product (with b_hh) into `dhp`, both
 * [N, 3H] from `offset`.
 */
export function gruStepBackward(
  step: StepLayout, gy: Storage, dh: Storage | null, dhOffset: number, direct: Storage, h: Storage, hOffset: number, dxp: Storage, dhp: Storage, offset: number,
): void {
  const { y, plane, at, batch, hidden } = step;
  const width = 3 * hidden;
  for (let row = 0; row < batch; row++) {
    const out = at + row * hidden;
    const state = row * hidden;
    const g0 = offset + row * width;
    for (let j = 0; j < hidden; j++) {
      const k = out + j;
      const r = y[plane + k]!;
      const z = y[2 * plane + k]!;
      const n = y[3 * plane + k]!;
      const hn = y[4 * plane + k]!;
      const hPrev = h[hOffset + state + j]!;
      const gh = gy[k]! + direct[state + j]! + (dh === null ? 0 : dh[dhOffset + state + j]!);
      const gn = gh * (1 - z) + gy[3 * plane + k]!;
      const gz = gh * (hPrev - n) + gy[2 * plane + k]!;
      direct[state + j] = gh * z;
      const pn = gn * (1 - n * n);
      const gr = pn * hn + gy[plane + k]!;
      const ghn = pn * r + gy[4 * plane + k]!;
      const pr = gr * (r * (1 - r));
      const pz = gz * (z * (1 - z));
      dxp[g0 + j] = pr;
      dxp[g0 + hidden + j] = pz;
      dxp[g0 + 2 * hidden + j] = pn;
      dhp[g0 + j] = pr;
      dhp[g0 + hidden + j] = pz;
      dhp[g0 + 2 * hidden + j] = ghn;
    }
  }
}

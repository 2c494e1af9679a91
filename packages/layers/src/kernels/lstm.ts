/**
 * The loops of the fused LSTM layer op (../lstm-sequence.ts): the gate arithmetic of one time step,
 * forward and backward, in one pass over the [N, H] units of the step.
 *
 * Layout. `pre` holds a step's gate pre-activations as PyTorch orders them, row n = [i | f | g | o]
 * (each H wide), i.e. x W_ih^T + b_ih + b_hh + h W_hh^T, summed here from the input projection `xp`
 * and the recurrent product `hp`. The op's output `y` is [6, T, N, H]: the planes h, c and the
 * activated gates i, f, g, o of every step (the backward reads the gates instead of recomputing them).
 * A value is computed in float64 and rounded once when stored.
 */

import { runsOnWasm } from '@nn/autograd/wasm';
import { sigmoid, sigmoid32, tanh32 } from './gate-math.js';
import { lstmStepBackwardWasm, lstmStepForwardWasm } from './gates-wasm.js';

export type Storage = Float32Array | Float64Array;

/** Where one step lives: `y` and its plane size (T * N * H), the step's offset in a plane, N and H. */
export interface StepLayout {
  y: Storage;
  plane: number;
  at: number;
  batch: number;
  hidden: number;
}

/**
 * One forward step: pre = xp + hp, i = sigmoid, f = sigmoid, g = tanh, o = sigmoid of its four
 * parts, c' = f * c + i * g, h' = o * tanh(c'), written into the six planes of `y` at the step.
 * `xp` and `hp` are row-major [N, 4H] from their offsets, `c` row-major [N, H] from `cOffset`.
 */
export function lstmStepForward(step: StepLayout, xp: Storage, xpOffset: number, hp: Storage, hpOffset: number, c: Storage, cOffset: number): void {
  const { y, plane, at, batch, hidden } = step;
  const width = 4 * hidden;
  // A branch that always goes one way in a loop (and lets both calls inline), not a function value.
  const f32 = y instanceof Float32Array;
  // float32 on WebAssembly SIMD where the backend allows (float32 arithmetic, within a few ulps); the loop below otherwise.
  if (f32 && xp instanceof Float32Array && hp instanceof Float32Array && c instanceof Float32Array && runsOnWasm(true)
    && lstmStepForwardWasm(step, xp, xpOffset, hp, hpOffset, c, cOffset)) return;
  for (let n = 0; n < batch; n++) {
    const x0 = xpOffset + n * width;
    const h0 = hpOffset + n * width;
    const row = at + n * hidden;
    const cRow = cOffset + n * hidden;
    for (let j = 0; j < hidden; j++) {
      const pi = xp[x0 + j]! + hp[h0 + j]!;
      const pf = xp[x0 + hidden + j]! + hp[h0 + hidden + j]!;
      const po = xp[x0 + 3 * hidden + j]! + hp[h0 + 3 * hidden + j]!;
      const i = f32 ? sigmoid32(pi) : sigmoid(pi);
      const f = f32 ? sigmoid32(pf) : sigmoid(pf);
      const pg = xp[x0 + 2 * hidden + j]! + hp[h0 + 2 * hidden + j]!;
      const g = f32 ? tanh32(pg) : Math.tanh(pg);
      const o = f32 ? sigmoid32(po) : sigmoid(po);
      const k = row + j;
      y[2 * plane + k] = i;
      y[3 * plane + k] = f;
      y[4 * plane + k] = g;
      y[5 * plane + k] = o;
      // Read back the rounded gates and cell, so the step is the chain of rounded ops the tensor form computes.
      const cNext = (y[3 * plane + k]! * c[cRow + j]!) + (y[2 * plane + k]! * y[4 * plane + k]!);
      y[plane + k] = cNext;
      const cs = y[plane + k]!;
      y[k] = y[5 * plane + k]! * (f32 ? tanh32(cs) : Math.tanh(cs));
    }
  }
}

/**
 * One backward step. `gy` is the output's gradient ([6, T, N, H], row-major, like `y`); `dh` the
 * gradient reaching h' from the later steps (row-major [N, H] from `dhOffset`, or null for none);
 * `dc` the same for c' (row-major [N, H] from 0), replaced here by the gradient of the previous c;
 * `c` that previous c. Writes the gradient of the step's pre-activations into `dpre` ([N, 4H] from
 * `dpreOffset`).
 */
export function lstmStepBackward(
  step: StepLayout, gy: Storage, dh: Storage | null, dhOffset: number, dc: Storage, c: Storage, cOffset: number, dpre: Storage, dpreOffset: number,
): void {
  const { y, plane, at, batch, hidden } = step;
  const width = 4 * hidden;
  // A branch that always goes one way in a loop (and lets both calls inline), not a function value.
  const f32 = y instanceof Float32Array;
  // float32 on WebAssembly SIMD where the backend allows (float32 arithmetic, within a few ulps); the loop below otherwise.
  if (f32 && gy instanceof Float32Array && (dh === null || dh instanceof Float32Array) && dc instanceof Float32Array && c instanceof Float32Array
    && dpre instanceof Float32Array && runsOnWasm(true) && lstmStepBackwardWasm(step, gy, dh, dhOffset, dc, c, cOffset, dpre, dpreOffset)) return;
  for (let n = 0; n < batch; n++) {
    const row = at + n * hidden;
    const state = n * hidden;
    const out = dpreOffset + n * width;
    for (let j = 0; j < hidden; j++) {
      const k = row + j;
      const i = y[2 * plane + k]!;
      const f = y[3 * plane + k]!;
      const g = y[4 * plane + k]!;
      const o = y[5 * plane + k]!;
      const cs = y[plane + k]!;
      const tc = f32 ? tanh32(cs) : Math.tanh(cs);
      const gh = gy[k]! + (dh === null ? 0 : dh[dhOffset + state + j]!);
      const gc = gy[plane + k]! + dc[state + j]! + gh * o * (1 - tc * tc);
      const gi = gc * g + gy[2 * plane + k]!;
      const gf = gc * c[cOffset + state + j]! + gy[3 * plane + k]!;
      const gg = gc * i + gy[4 * plane + k]!;
      const go = gh * tc + gy[5 * plane + k]!;
      dc[state + j] = gc * f;
      dpre[out + j] = gi * (i * (1 - i));
      dpre[out + hidden + j] = gf * (f * (1 - f));
      dpre[out + 2 * hidden + j] = gg * (1 - g * g);
      dpre[out + 3 * hidden + j] = go * (o * (1 - o));
    }
  }
}

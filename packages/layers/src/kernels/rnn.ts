/**
 * The loops of the fused Elman RNN layer op (../rnn-sequence.ts), one time step at a time over its
 * [N, H] units: h' = act(xp + hp + b_hh), act tanh or relu, with `xp` = x W_ih^T + b_ih and `hp` =
 * h W_hh^T, both row-major [N, H]. The op's output `y` is [1, T, N, H], the states after each step.
 */
import { tanh32 } from './gate-math.js';
import type { StepLayout, Storage } from './lstm.js';

/** One forward step into `y` at the step. */
export function rnnStepForward(step: StepLayout, relu: boolean, xp: Storage, xpOffset: number, hp: Storage, hpOffset: number, bias: Storage): void {
  const { y, at, batch, hidden } = step;
  const f32 = y instanceof Float32Array;
  for (let row = 0; row < batch; row++) {
    const x0 = xpOffset + row * hidden;
    const h0 = hpOffset + row * hidden;
    const out = at + row * hidden;
    for (let j = 0; j < hidden; j++) {
      const pre = xp[x0 + j]! + (hp[h0 + j]! + bias[j]!);
      // relu as the op: NaN stays NaN (NaN > 0 is false, so test the other way round).
      y[out + j] = relu ? (pre <= 0 ? 0 : pre) : f32 ? tanh32(pre) : Math.tanh(pre);
    }
  }
}

/**
 * One backward step: the gradient of the pre-activation, (gy + dh) * act'(h'), into `dpre` ([N, H]
 * from `dpreOffset`). `dh` is the gradient reaching h' through the later steps (row-major [N, H] from
 * `dhOffset`, or null). relu'(0) = 0, as PyTorch's (the gradient passes where h' > 0 or is NaN).
 */
export function rnnStepBackward(step: StepLayout, relu: boolean, gy: Storage, dh: Storage | null, dhOffset: number, dpre: Storage, dpreOffset: number): void {
  const { y, at, batch, hidden } = step;
  for (let row = 0; row < batch; row++) {
    const out = at + row * hidden;
    const state = row * hidden;
    for (let j = 0; j < hidden; j++) {
      const h = y[out + j]!;
      const g = gy[out + j]! + (dh === null ? 0 : dh[dhOffset + state + j]!);
      dpre[dpreOffset + state + j] = relu ? (h === 0 ? 0 : g) : g * (1 - h * h);
    }
  }
}

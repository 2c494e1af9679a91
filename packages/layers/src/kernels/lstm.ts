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

export type Storage = Float32Array | Float64Array;

/**
 * sigmoid without a branch on the sign (random signs mispredict, which cost more than the exp):
 * exp(-v) overflows to Infinity for v < -709 and the quotient is then 0, as it should be; NaN stays
 * NaN. Within an ulp or two of the op's two-sided form.
 */
function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** 2^n at index n + 1075, for n from -1075 (0) to 1024 (Infinity). */
const POW2 = new Float64Array(2100);
for (let k = 0; k < POW2.length; k++) POW2[k] = 2 ** (k - 1075);
/** Adding and subtracting 1.5 * 2^52 rounds a float64 of magnitude below 2^51 to an integer. */
const ROUND = 6755399441055744;

/**
 * exp for values stored as float32: Math.exp is a call that V8 does not inline (about 12 ns, and
 * the forward gate loop makes five a unit); this is a few multiply-adds (about 4 ns). x = n ln 2 + r
 * with n an integer and |r| <= ln 2 / 2 (ln 2 in two parts, so that r is exact), e^r by its Taylor
 * series to r^9 (truncation below 1e-11 relative), times 2^n from a table: relative error about
 * 1e-11, a few thousandths of float32's rounding. x is clamped to [-745, 710] first, where e^x is 0
 * or Infinity in float64 already; NaN stays NaN (the clamp and the table index pass it on).
 */
function exp32(v: number): number {
  const x = Math.max(-745, Math.min(710, v));
  const n = (x * Math.LOG2E + ROUND) - ROUND;
  const r = (x - n * 0.6931471803691238) - n * 1.9082149292705877e-10;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r / 362880))))))));
  return p * POW2[n + 1075]!;
}

/** sigmoid for float32 storage (see `exp32`). */
function sigmoid32(v: number): number {
  return 1 / (1 + exp32(-v));
}

/**
 * tanh for values stored as float32: Math.tanh costs about three Math.exp in V8.
 * 1 - 2 / (e^2x + 1) is within about 1e-11 of tanh in absolute terms, which is below float32's
 * rounding for |x| >= 1e-3; below that x - x^3 / 3 + 2 x^5 / 15 is exact to float32's precision.
 * float64 storage keeps Math.tanh and Math.exp (correctly rounded to an ulp).
 */
function tanh32(x: number): number {
  // The small-|x| branch is rarely taken, so it predicts well; the sign needs no branch.
  if (Math.abs(x) < 1e-3) {
    const x2 = x * x;
    return x * (1 - x2 * (1 / 3 - x2 * (2 / 15)));
  }
  return 1 - 2 / (exp32(2 * x) + 1); // NaN stays NaN; +-1 at the ends
}

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

/**
 * The recurrent layers' gate loops on WebAssembly SIMD for float32 storage: the module of
 * ./gates-wasm-module.ts on a memory of its own. Per step the input projection's rows, the
 * recurrent product and the previous state are copied in (one `TypedArray.set` each), one call runs
 * the gates of all N x H units, and the planes are copied out; the LSTM's backward likewise. The
 * JavaScript loops spend most of their time in scalar exps (five a unit in the LSTM's forward, three
 * in the GRU's); here they run four at a time in float32, without bounds checks or table lookups.
 * Within a few float32 ulps of `lstmStepForward`, `lstmStepBackward` and `gruStepForward` (tested),
 * which compute in float64.
 */
import { copyOutOffset, instantiateOwnMemory, type KernelInstance } from '@nn/autograd/wasm';
import { gatesModule } from './gates-wasm-module.js';
import type { StepLayout } from './lstm.js';

type Gates = (xp: number, hp: number, c: number, out: number, batch: number, hidden: number) => void;
const findGates = (exports: Record<string, unknown>): Gates => exports.gates as Gates;

/** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
let instance: KernelInstance | null | undefined;

/** The module's instance for a step of this layout, or null where it does not apply (see the step functions). */
function instanceFor({ y, batch, hidden }: StepLayout): KernelInstance | null {
  if (hidden % 4 !== 0 || batch === 0 || !(y instanceof Float32Array)) return null;
  if (instance === undefined) instance = instantiateOwnMemory(gatesModule());
  return instance;
}

/**
 * One forward step as `lstmStepForward` on float32 storage (all arrays Float32Array). Returns false,
 * having done nothing, where WebAssembly SIMD is missing, N is 0 or H is not a multiple of 4 (the
 * kernel takes units four at a time).
 */
export function lstmStepForwardWasm(step: StepLayout, xp: Float32Array, xpOffset: number, hp: Float32Array, hpOffset: number, c: Float32Array, cOffset: number): boolean {
  const { y, plane, at, batch, hidden } = step;
  const kernel = instanceFor(step);
  if (kernel === null) return false;
  const units = batch * hidden;
  const rows = 4 * units; // floats of xp and of hp
  const hpAt = rows * 4;
  const cAt = 2 * hpAt;
  const outAt = copyOutOffset(cAt + units * 4);
  const memory = kernel.view(y, outAt + 6 * units * 4, 'lstmSequence') as Float32Array;
  memory.set(xp.subarray(xpOffset, xpOffset + rows), 0);
  memory.set(hp.subarray(hpOffset, hpOffset + rows), hpAt / 4);
  memory.set(c.subarray(cOffset, cOffset + units), cAt / 4);
  kernel.functions(findGates)(0, hpAt, cAt, outAt, batch, hidden);
  const out = outAt / 4;
  for (let k = 0; k < 6; k++) y.set(memory.subarray(out + k * units, out + (k + 1) * units), k * plane + at);
  return true;
}

type GatesBackward = (y: number, gy: number, dh: number, dc: number, c: number, dpre: number, batch: number, hidden: number) => void;
const findGatesBackward = (exports: Record<string, unknown>): GatesBackward => exports.gates_backward as GatesBackward;

/**
 * One backward step as `lstmStepBackward` on float32 storage (`dh` null for none). Returns false,
 * having done nothing, where WebAssembly SIMD is missing, N is 0 or H is not a multiple of 4.
 */
export function lstmStepBackwardWasm(
  step: StepLayout, gy: Float32Array, dh: Float32Array | null, dhOffset: number, dc: Float32Array, c: Float32Array, cOffset: number, dpre: Float32Array, dpreOffset: number,
): boolean {
  const { y, plane, at, batch, hidden } = step;
  const kernel = instanceFor(step);
  if (kernel === null) return false;
  const units = batch * hidden;
  const bytes = units * 4;
  // Room for y's and gy's six planes (y's h plane is left unwritten), then dh, dc, c; dpre (copied out) 2 KiB into a page.
  const [yAt, gyAt, dhAt, dcAt, cAt] = [0, 6 * bytes, 12 * bytes, 13 * bytes, 14 * bytes];
  const dpreAt = copyOutOffset(15 * bytes);
  const memory = kernel.view(y, dpreAt + 4 * bytes, 'lstmSequence') as Float32Array;
  for (let k = 0; k < 6; k++) {
    // The kernel reads y's c and gate planes; h (plane 0) only in the forward.
    if (k > 0) memory.set(y.subarray(k * plane + at, k * plane + at + units), (yAt + k * bytes) / 4);
    memory.set(gy.subarray(k * plane + at, k * plane + at + units), (gyAt + k * bytes) / 4);
  }
  if (dh === null) memory.fill(0, dhAt / 4, dhAt / 4 + units);
  else memory.set(dh.subarray(dhOffset, dhOffset + units), dhAt / 4);
  memory.set(dc.subarray(0, units), dcAt / 4);
  memory.set(c.subarray(cOffset, cOffset + units), cAt / 4);
  kernel.functions(findGatesBackward)(yAt, gyAt, dhAt, dcAt, cAt, dpreAt, batch, hidden);
  dc.set(memory.subarray(dcAt / 4, dcAt / 4 + units), 0);
  dpre.set(memory.subarray(dpreAt / 4, dpreAt / 4 + 4 * units), dpreOffset);
  return true;
}

type GruGates = (xp: number, hp: number, bias: number, h: number, out: number, batch: number, hidden: number) => void;
const findGruGates = (exports: Record<string, unknown>): GruGates => exports.gru_gates as GruGates;

/**
 * One GRU forward step as `gruStepForward` on float32 storage (all arrays Float32Array). Returns
 * false, having done nothing, where WebAssembly SIMD is missing, N is 0 or H is not a multiple of 4.
 */
export function gruStepForwardWasm(step: StepLayout, xp: Float32Array, xpOffset: number, hp: Float32Array, hpOffset: number, bias: Float32Array, h: Float32Array, hOffset: number): boolean {
  const { y, plane, at, batch, hidden } = step;
  const kernel = instanceFor(step);
  if (kernel === null) return false;
  const units = batch * hidden;
  const rows = 3 * units; // floats of xp and of hp
  // xp, hp, b_hh, the previous h; the five planes (copied out) 2 KiB into a page.
  const [hpAt, biasAt, hAt] = [rows * 4, 2 * rows * 4, 2 * rows * 4 + 3 * hidden * 4];
  const outAt = copyOutOffset(hAt + units * 4);
  const memory = kernel.view(y, outAt + 5 * units * 4, 'gruSequence') as Float32Array;
  memory.set(xp.subarray(xpOffset, xpOffset + rows), 0);
  memory.set(hp.subarray(hpOffset, hpOffset + rows), hpAt / 4);
  memory.set(bias.subarray(0, 3 * hidden), biasAt / 4);
  memory.set(h.subarray(hOffset, hOffset + units), hAt / 4);
  kernel.functions(findGruGates)(0, hpAt, biasAt, hAt, outAt, batch, hidden);
  const out = outAt / 4;
  for (let k = 0; k < 5; k++) y.set(memory.subarray(out + k * units, out + (k + 1) * units), k * plane + at);
  return true;
}

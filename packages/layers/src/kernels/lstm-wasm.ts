/**
 * The LSTM forward gate loop on WebAssembly SIMD for float32 storage: the module of
 * ./lstm-wasm-module.ts on a memory of its own. Per step the input projection's rows, the recurrent
 * product and the previous cell are copied in (one `TypedArray.set` each), one call runs the gates
 * of all N x H units, and the six planes are copied out. The JavaScript loop spends most of its time
 * in five scalar exps a unit; here they run two at a time without bounds checks or table lookups.
 * Same float32 results as `lstmStepForward` (tested bit for bit).
 */
import { copyOutOffset, instantiateOwnMemory, type KernelInstance } from '@nn/autograd/wasm';
import { lstmGatesModule } from './lstm-wasm-module.js';
import type { StepLayout } from './lstm.js';

type Gates = (xp: number, hp: number, c: number, out: number, batch: number, hidden: number) => void;
const findGates = (exports: Record<string, unknown>): Gates => exports.gates as Gates;

/** undefined: not tried yet; null: tried, and WebAssembly SIMD is not available. */
let instance: KernelInstance | null | undefined;

/**
 * One forward step as `lstmStepForward` on float32 storage (all arrays Float32Array). Returns false,
 * having done nothing, where WebAssembly SIMD is missing or H is odd (the kernel takes units in pairs).
 */
export function lstmStepForwardWasm(step: StepLayout, xp: Float32Array, xpOffset: number, hp: Float32Array, hpOffset: number, c: Float32Array, cOffset: number): boolean {
  const { y, plane, at, batch, hidden } = step;
  if (hidden % 2 !== 0 || !(y instanceof Float32Array)) return false;
  if (instance === undefined) instance = instantiateOwnMemory(lstmGatesModule());
  if (instance === null) return false;
  const units = batch * hidden;
  const rows = 4 * units; // floats of xp and of hp
  const hpAt = rows * 4;
  const cAt = 2 * hpAt;
  const outAt = copyOutOffset(cAt + units * 4);
  const memory = instance.view(y, outAt + 6 * units * 4, 'lstmSequence') as Float32Array;
  memory.set(xp.subarray(xpOffset, xpOffset + rows), 0);
  memory.set(hp.subarray(hpOffset, hpOffset + rows), hpAt / 4);
  memory.set(c.subarray(cOffset, cOffset + units), cAt / 4);
  instance.functions(findGates)(0, hpAt, cAt, outAt, batch, hidden);
  const out = outAt / 4;
  for (let k = 0; k < 6; k++) y.set(memory.subarray(out + k * units, out + (k + 1) * units), k * plane + at);
  return true;
}

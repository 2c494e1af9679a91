/**
 * Which kernels run: plain TypeScript ('js', always there) or WebAssembly SIMD ('wasm', where the
 * platform supports it). By default ('auto') each call picks by size: small problems stay in
 * JavaScript, where calling into WebAssembly would cost more than it saves. `setBackend`, or the
 * environment variable NN_BACKEND=js|wasm|auto, forces one, to compare them or to test each.
 */
import { wasmMatmulAvailable } from './kernels/wasm/matmul.js';

/** A set of kernels: plain TypeScript, or WebAssembly SIMD. */
export type Backend = 'js' | 'wasm';
/** What `setBackend` takes: one backend forced, or 'auto' (each call picks by size). */
export type BackendSetting = Backend | 'auto';

const SETTINGS: readonly BackendSetting[] = ['js', 'wasm', 'auto'];

function fromEnvironment(): BackendSetting {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NN_BACKEND;
  if (value === undefined || value === '') return 'auto';
  if (!SETTINGS.includes(value as BackendSetting)) {
    throw new Error(`NN_BACKEND: unknown backend ${JSON.stringify(value)} (known: ${SETTINGS.join(', ')})`);
  }
  return value as BackendSetting;
}

let setting: BackendSetting = fromEnvironment();

/**
 * Forces the kernels of one backend ('js' or 'wasm'), or lets each call choose by size ('auto', the
 * default). Asking for 'wasm' where WebAssembly SIMD is unavailable is an error.
 */
export function setBackend(backend: BackendSetting): void {
  if (!SETTINGS.includes(backend)) throw new Error(`setBackend: unknown backend ${JSON.stringify(backend)} (known: ${SETTINGS.join(', ')})`);
  if (backend === 'wasm' && !wasmMatmulAvailable()) throw new Error("setBackend: 'wasm' asked for, but this engine has no WebAssembly SIMD");
  setting = backend;
}

/** The current setting: 'js', 'wasm' or 'auto'. */
export function getBackend(): BackendSetting {
  return setting;
}

/**
 * Whether a kernel call runs on WebAssembly: always when forced to 'wasm', never when forced to 'js';
 * under 'auto', when the call is `largeEnough` (the caller's measured crossover) and SIMD is there.
 */
export function runsOnWasm(largeEnough: boolean): boolean {
  if (setting === 'auto') return largeEnough && wasmMatmulAvailable();
  if (setting === 'js') return false;
  if (!wasmMatmulAvailable()) throw new Error("NN_BACKEND=wasm: this engine has no WebAssembly SIMD");
  return true;
}

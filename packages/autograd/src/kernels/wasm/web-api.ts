/**
 * The few Web APIs the browser's thread pool uses, typed locally: this package compiles without
 * DOM typings (lib ES2022 only). Only the browser-only files (./web-thread-pool.ts,
 * ./web-thread-worker.ts, ../../web.ts) read these.
 */

/** A URL, as far as we use it. */
export interface WebUrl {
  readonly href: string;
}

/** A dedicated Worker, as far as we use it. */
export interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: WebEvent) => void): void;
  removeEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: WebEvent) => void): void;
  terminate(): void;
}

/** A MessageEvent or ErrorEvent, as far as we read them. */
export interface WebEvent {
  readonly data?: unknown;
  readonly message?: unknown;
  readonly filename?: unknown;
  readonly lineno?: unknown;
}

/** The globals of a page or worker that are not in the ES library. */
export interface WebGlobals {
  readonly URL: new (url: string, base?: string | WebUrl) => WebUrl;
  readonly Worker?: new (url: string | WebUrl, options: { type: 'module'; name?: string }) => WebWorker;
  /** True where the page is cross-origin isolated (COOP and COEP), which SharedArrayBuffer needs. */
  readonly crossOriginIsolated?: boolean;
  /** Defined on a page's main thread (a Window), not in workers. */
  readonly document?: unknown;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  /** In a worker: the global scope's own postMessage and message events. */
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: WebEvent) => void, options?: { once?: boolean }): void;
}

export const web = globalThis as unknown as WebGlobals;

/** Whether SharedArrayBuffer is here and usable across workers: the page is cross-origin isolated. */
export function sharedMemoryAllowed(): boolean {
  return typeof SharedArrayBuffer === 'function' && web.crossOriginIsolated === true;
}

/**
 * Whether this thread may block in Atomics.wait: not on a page's main thread (a Window), where it
 * throws; yes in a dedicated worker. Asked of the engine itself where SharedArrayBuffer exists (a
 * wait on a value that does not match returns at once where waiting is allowed, throws where not).
 */
export function mayBlock(): boolean {
  if (web.document !== undefined) return false;
  if (typeof SharedArrayBuffer !== 'function') return true; // nothing to wait on anyway
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

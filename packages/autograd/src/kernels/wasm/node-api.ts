/**
 * The few Node APIs the thread pool uses, typed locally and loaded by dynamic import: this package
 * compiles without Node's typings (its main entry must stay browser-safe), and only the Node-only
 * files (./thread-pool.ts, ./thread-worker.ts) ever call these.
 */

/** A WHATWG URL, as far as we use it. */
export interface NodeUrl {
  readonly href: string;
}

/** The globals of Node that are not in the ES library (this package has no DOM or Node typings). */
export const host = globalThis as unknown as {
  URL: new (url: string, base: string) => NodeUrl;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
};

/** A MessagePort, as far as we use it. */
export interface NodePort {
  postMessage(value: unknown): void;
  close(): void;
}

/** A worker_threads Worker, as far as we use it. */
export interface NodeWorker {
  readonly threadId: number;
  on(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): this;
  off(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): this;
  unref(): void;
  terminate(): Promise<number>;
}

/** node:worker_threads, as far as we use it. */
export interface WorkerThreads {
  Worker: new (url: NodeUrl, options: { workerData: unknown }) => NodeWorker;
  /** In a worker: its workerData, and the port to the thread that started it. */
  workerData: unknown;
  parentPort: NodePort | null;
}

/** node:worker_threads. (The specifier is a variable so that TypeScript does not look for its typings.) */
export async function loadWorkerThreads(): Promise<WorkerThreads> {
  const specifier: string = 'node:worker_threads';
  return (await import(specifier)) as WorkerThreads;
}

/** How many threads can run at once here (os.availableParallelism), at least 1. */
export async function availableParallelism(): Promise<number> {
  const specifier: string = 'node:os';
  const os = (await import(specifier)) as { availableParallelism?: () => number; cpus: () => readonly unknown[] };
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

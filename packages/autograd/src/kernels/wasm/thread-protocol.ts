/**
 * How the thread that owns a matmul pool and its workers talk, and both ends of it: the job loop
 * the workers run (`serveJobs`) and the owner's side of a product (`SharedMemoryPool.run`). Node's
 * pool (./thread-pool.ts, ./thread-worker.ts, over worker_threads) and the browser's
 * (./web-thread-pool.ts, ./web-thread-worker.ts, over Web Workers) differ only in how workers are
 * started, watched and stopped; everything here they share.
 *
 * Each worker has a control block: an Int32Array over a SharedArrayBuffer. To post a job (a product
 * and how it is cut into chunks) the owner writes the command and the job into it, then bumps
 * SEQ and notifies; the worker, parked in Atomics.wait on SEQ, computes chunks, writes STATUS,
 * copies SEQ into DONE and notifies; the owner waits on DONE. All threads of a pool claim
 * chunks from one shared counter, the queue (`claimChunk`). A worker's error travels as text in its
 * control block (`writeError`), written before DONE: the owner is blocked in Atomics.wait and
 * reads it synchronously, where a message (the only other channel a browser has) would wait for
 * the owner's event loop.
 */
import { F32_PLAN, F64_PLAN, computeChunks, type Kernels, type Share, type Split } from './blocked.js';
import type { ParallelExecutor } from './parallel.js';
import type { MatmulRuntime, WasmMemory } from './runtime.js';

/** Slots of the control block. */
export const Slot = { seq: 0, done: 1, status: 2, command: 3, job: 4 } as const;
export const Command = { compute: 0, quit: 1 } as const;
export const Status = { ok: 0, failed: 1 } as const;

/** The fields of a job, in the order they are stored from Slot.job on: the product's, then the split's. */
const SHARE_FIELDS = [
  'f64', 'aAt', 'aRowStride', 'aColStride', 'bAt', 'bRowStride', 'bColStride', 'cAt', 'ldc', 'k',
  'i0', 'i1', 'j0', 'j1', 'packedA', 'packedB', 'direct', 'accumulate',
] as const satisfies readonly (keyof Share)[];
const SPLIT_FIELDS = ['byColumns', 'unit', 'chunks', 'threads', 'scratchStride'] as const satisfies readonly (keyof Split)[];
/** Strides may be negative (rows stored last to first); every other field is an unsigned integer. */
const SIGNED: ReadonlySet<string> = new Set(['aRowStride', 'aColStride', 'bRowStride', 'bColStride']);

/** Where a worker's error text starts: its length, then one UTF-16 code unit a slot. */
const ERROR_AT = Slot.job + SHARE_FIELDS.length + SPLIT_FIELDS.length;
/** Characters of an error message kept (longer ones are cut, ending in '...'). */
const ERROR_CHARS = 1000;

/** Int32 slots of a control block. */
export const CONTROL_SLOTS = ERROR_AT + 1 + ERROR_CHARS;

/** Writes a job into a control block. Addresses up to 4 GiB wrap to negative int32s; `readJob` undoes that. */
export function writeJob(control: Int32Array, whole: Share, split: Split): void {
  let slot = Slot.job;
  for (const field of SHARE_FIELDS) control[slot++] = whole[field];
  for (const field of SPLIT_FIELDS) control[slot++] = split[field];
}

/** Reads the job a control block holds. */
export function readJob(control: Int32Array): { whole: Share; split: Split } {
  let slot = Slot.job;
  const read = (field: string): number => {
    const value = control[slot++]!;
    return SIGNED.has(field) ? value : value >>> 0;
  };
  const whole: Partial<Record<keyof Share, number>> = {};
  for (const field of SHARE_FIELDS) whole[field] = read(field);
  const split: Partial<Record<keyof Split, number>> = {};
  for (const field of SPLIT_FIELDS) split[field] = read(field);
  return { whole: whole as Share, split: split as Split };
}

/** Writes a worker's error text into its control block, cut to ERROR_CHARS characters. */
export function writeError(control: Int32Array, message: string): void {
  const text = message.length <= ERROR_CHARS ? message : `${message.slice(0, ERROR_CHARS - 3)}...`;
  control[ERROR_AT] = text.length;
  for (let i = 0; i < text.length; i++) control[ERROR_AT + 1 + i] = text.charCodeAt(i);
}

/** The error text `writeError` left in a control block. */
export function readError(control: Int32Array): string {
  const length = Math.min(Math.max(control[ERROR_AT]!, 0), ERROR_CHARS);
  const codes: number[] = [];
  for (let i = 0; i < length; i++) codes.push(control[ERROR_AT + 1 + i]!);
  return String.fromCharCode(...codes);
}

/** Slots of the queue, the pool's one Int32Array shared by all its threads. */
export const QUEUE_SLOTS = 1;

/** Claims the next chunk left over after each thread's first (see `computeChunks`): 0, 1, 2, ... per job. */
export function claimChunk(queue: Int32Array): number {
  return Atomics.add(queue, 0, 1);
}

/** An Int32Array of `slots` over a new SharedArrayBuffer (a control block, or the queue). */
export function sharedInt32s(slots: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(slots * Int32Array.BYTES_PER_ELEMENT));
}

/**
 * What a worker is started with (its workerData in Node, its first message in a browser): the
 * compiled matmul module (a WebAssembly.Module) and the shared memory it runs on, its control block,
 * the pool's queue, and its thread number (the owner is 0).
 */
export interface WorkerData {
  readonly module: object;
  readonly memory: WasmMemory;
  readonly control: Int32Array;
  readonly queue: Int32Array;
  readonly thread: number;
}

/** The kernels of a runtime for a product of precision `f64` (1 for float64, 0 for float32). */
function kernelsOf(runtime: MatmulRuntime, f64: boolean): Kernels {
  return f64 ? { gemm: runtime.gemmF64, pack: runtime.packF64 } : { gemm: runtime.gemmF32, pack: runtime.packF32 };
}

/**
 * The worker's job loop: park on SEQ until the owner bumps it past `seen`, run the job, report in
 * DONE; return when told to quit. `runtime` is the worker's instance of the shared module
 * (`attachSharedRuntime`). Read `seen` (SEQ) before telling the owner the worker is ready: a job may
 * be posted as soon as it hears it.
 * (Spinning a while before parking was tried, to save the 15 to 40 us a parked thread takes to wake:
 * on a 2-core machine shared with other processes it made round trips 3 to 5 times slower.)
 */
export function serveJobs({ control, queue, thread }: WorkerData, runtime: MatmulRuntime, seen: number): void {
  const kernels = { f32: kernelsOf(runtime, false), f64: kernelsOf(runtime, true) };
  for (;;) {
    Atomics.wait(control, Slot.seq, seen);
    seen = Atomics.load(control, Slot.seq);
    if (Atomics.load(control, Slot.command) === Command.quit) break;
    let status: number = Status.ok;
    try {
      const { whole, split } = readJob(control);
      const f64 = whole.f64 !== 0;
      computeChunks(f64 ? F64_PLAN : F32_PLAN, f64 ? kernels.f64 : kernels.f32, whole, split, thread, () => claimChunk(queue));
    } catch (error) {
      status = Status.failed;
      writeError(control, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
    Atomics.store(control, Slot.status, status);
    Atomics.store(control, Slot.done, seen); // after the error text: the owner reads it once DONE moves
    Atomics.notify(control, Slot.done);
  }
}

/**
 * The owner's side of a pool, whatever starts its workers: a `ParallelExecutor` that posts a
 * product's chunks to the workers' control blocks, computes chunks itself, and blocks in
 * Atomics.wait until every worker is done (so it runs only where the owner may block: Node's main
 * thread, a browser's dedicated worker). A worker that does not answer in time makes the wait
 * time out and throw, and turns the pool off (`fail`), rather than hang; so does whatever the
 * subclass sees go wrong with a worker (it calls `fail`). `workerName` names worker i (1-based)
 * in messages: 'worker thread' in Node, 'web worker' in a browser.
 */
export abstract class SharedMemoryPool implements ParallelExecutor {
  /** Why the pool stopped working, once it has. */
  private failure: string | undefined;
  /** Set by `quit`: failures seen while stopping are expected, not reported. */
  private closing = false;

  protected constructor(
    readonly threads: number,
    readonly runtime: MatmulRuntime,
    private readonly controls: readonly Int32Array[],
    private readonly queue: Int32Array,
    private readonly workerName: string,
    private readonly onFailure: (pool: SharedMemoryPool) => void,
  ) {}

  /** Computes `whole` cut as `split` on this thread and the workers (see ParallelExecutor). */
  run(whole: Share, split: Split): void {
    if (this.failure !== undefined) throw new Error(`matmulKernelWasm: the thread pool is off: ${this.failure}`);
    const helpers = split.threads - 1;
    if (helpers > this.controls.length || split.threads > split.chunks) {
      throw new Error(`matmulKernelWasm: a split over ${split.threads} threads into ${split.chunks} chunks, for a pool of ${this.controls.length + 1} threads`);
    }
    Atomics.store(this.queue, 0, 0);
    const posted: number[] = [];
    for (let i = 0; i < helpers; i++) {
      const control = this.controls[i]!;
      writeJob(control, whole, split);
      Atomics.store(control, Slot.command, Command.compute);
      posted.push(Atomics.add(control, Slot.seq, 1) + 1);
      Atomics.notify(control, Slot.seq);
    }
    // Whatever happens here, wait for the workers before returning: they write into memory that
    // the next product reuses.
    let ownFailed = false;
    let ownError: unknown;
    try {
      const f64 = whole.f64 !== 0;
      computeChunks(f64 ? F64_PLAN : F32_PLAN, kernelsOf(this.runtime, f64), whole, split, 0, () => claimChunk(this.queue));
    } catch (error) {
      ownFailed = true;
      ownError = error;
    }
    const errors: string[] = [];
    for (let i = 0; i < helpers; i++) {
      const error = this.waitFor(i + 1, posted[i]!, whole);
      if (error !== undefined) errors.push(error);
    }
    if (ownFailed) throw ownError;
    if (errors.length > 0) throw new Error(`matmulKernelWasm: ${errors.join('; ')}`);
  }

  /** Tells every worker to quit once it has finished the job in hand; the subclass then stops them. */
  protected quit(): void {
    this.closing = true;
    for (const control of this.controls) {
      Atomics.store(control, Slot.command, Command.quit);
      Atomics.add(control, Slot.seq, 1);
      Atomics.notify(control, Slot.seq);
    }
  }

  /** Turns the pool off for good (products then throw, and the owner goes back to one thread), once. */
  protected fail(reason: string): void {
    if (this.closing || this.failure !== undefined) return;
    this.failure = reason;
    this.onFailure(this);
  }

  /** Blocks until worker `index` (1-based) has finished job `seq`; returns its error text, if any. */
  private waitFor(index: number, seq: number, whole: Share): string | undefined {
    const control = this.controls[index - 1]!;
    // Generous: 10 s, plus the whole product's multiply-adds at 10^8 a second (about a hundredth
    // of one core's speed).
    const timeoutMs = 10_000 + ((whole.i1 - whole.i0) * (whole.j1 - whole.j0) * whole.k) / 1e5;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(control, Slot.done);
      if (done === seq) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.fail(`${this.workerName} ${index} did not finish its part within ${Math.round(timeoutMs)} ms`);
        return `${this.workerName} ${index} did not finish its part within ${Math.round(timeoutMs)} ms; threads are off from now on`;
      }
      Atomics.wait(control, Slot.done, done, left);
    }
    if (Atomics.load(control, Slot.status) === Status.ok) return undefined;
    return `${this.workerName} ${index} failed: ${readError(control) || 'no message'}`;
  }
}

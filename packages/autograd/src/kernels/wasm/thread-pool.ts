/**
 * A pool of matmul worker threads for Node (only ../../node.ts imports this file). The workers and
 * the main thread run instances of one module on one shared WebAssembly memory; the pool is the
 * `ParallelExecutor` (./parallel.ts) that ./matmul.ts hands the shares of large products to.
 *
 * The main thread stays synchronous: it posts the product to each worker through its control block
 * (./thread-protocol.ts), computes chunks of it alongside them, then blocks in Atomics.wait (allowed
 * on Node's main thread) until every worker is done. A failure in a worker comes back as an Error thrown on the
 * main thread; a worker that does not answer in time (or dies) makes the wait time out and throw,
 * and turns the pool off, rather than hang. Workers are unref'd: they never keep a process alive.
 */
import { F32_PLAN, F64_PLAN, computeChunks, type Kernels, type Share, type Split } from './blocked.js';
import { host, loadWorkerThreads, type NodePort, type NodeUrl, type NodeWorker, type WorkerThreads } from './node-api.js';
import type { ParallelExecutor } from './parallel.js';
import { sharedRuntime, type MatmulRuntime } from './runtime.js';
import { CONTROL_SLOTS, Command, QUEUE_SLOTS, Slot, Status, claimChunk, writeJob, type WorkerData } from './thread-protocol.js';

/** How long workers get to start. */
const START_TIMEOUT_MS = 30_000;

/** One worker, its control block, and the main thread's end of its error channel. */
interface Member {
  readonly worker: NodeWorker;
  readonly control: Int32Array;
  readonly errors: NodePort;
}

export class ThreadPool implements ParallelExecutor {
  /** Why the pool stopped working, once it has. */
  private failure: string | undefined;
  private closing = false;
  private running: number;

  private constructor(
    readonly threads: number,
    readonly runtime: MatmulRuntime,
    private readonly members: readonly Member[],
    private readonly queue: Int32Array,
    private readonly workerThreads: WorkerThreads,
    private readonly onFailure: (pool: ThreadPool) => void,
  ) {
    this.running = members.length;
    for (const [index, { worker }] of members.entries()) {
      worker.on('error', (error) => this.fail(`worker thread ${index + 1} failed: ${describe(error)}`));
      worker.on('exit', (code) => {
        this.running--;
        this.fail(`worker thread ${index + 1} exited (code ${String(code)})`);
      });
      worker.unref(); // after the listeners: adding a 'message' listener would ref the worker again
    }
  }

  /**
   * Starts `threads - 1` workers (with the calling thread, `threads`) and resolves once every one has
   * compiled the module and is waiting for work. `onFailure` is told when the pool breaks later on.
   */
  static async start(threads: number, onFailure: (pool: ThreadPool) => void): Promise<ThreadPool> {
    const workerThreads = await loadWorkerThreads();
    const shared = sharedRuntime();
    const members: Member[] = [];
    const queue = int32s(QUEUE_SLOTS);
    try {
      for (let thread = 1; thread < threads; thread++) {
        const control = int32s(CONTROL_SLOTS);
        const { port1, port2 } = new workerThreads.MessageChannel();
        const workerData: WorkerData = { module: shared.module, memory: shared.memory, control, queue, thread, errors: port2 };
        const worker = new workerThreads.Worker(workerUrl(), { workerData, transferList: [port2] });
        members.push({ worker, control, errors: port1 });
      }
      await Promise.all(members.map(({ worker }, index) => ready(worker, index + 1)));
    } catch (error) {
      await Promise.all(members.map(({ worker }) => worker.terminate()));
      throw new Error(`setNumThreads: could not start ${threads - 1} worker thread(s): ${describe(error)}`, { cause: error });
    }
    return new ThreadPool(threads, shared.runtime, members, queue, workerThreads, onFailure);
  }

  /** Workers that have not exited yet (0 once `close` has resolved). */
  get liveWorkers(): number {
    return this.running;
  }

  /** Computes `whole` cut as `split` on this thread and the workers (see ParallelExecutor). */
  run(whole: Share, split: Split): void {
    if (this.failure !== undefined) throw new Error(`matmulKernelWasm: the thread pool is off: ${this.failure}`);
    const helpers = split.threads - 1;
    if (helpers > this.members.length || split.threads > split.chunks) {
      throw new Error(`matmulKernelWasm: a split over ${split.threads} threads into ${split.chunks} chunks, for a pool of ${this.members.length + 1} threads`);
    }
    Atomics.store(this.queue, 0, 0);
    const posted: number[] = [];
    for (let i = 0; i < helpers; i++) {
      const { control } = this.members[i]!;
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
      const kernels: Kernels = f64 ? { gemm: this.runtime.gemmF64, pack: this.runtime.packF64 } : { gemm: this.runtime.gemmF32, pack: this.runtime.packF32 };
      computeChunks(f64 ? F64_PLAN : F32_PLAN, kernels, whole, split, 0, () => claimChunk(this.queue));
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

  /** Stops the workers (they finish the job in hand first) and resolves once they have exited. */
  async close(): Promise<void> {
    this.closing = true;
    for (const { control } of this.members) {
      Atomics.store(control, Slot.command, Command.quit);
      Atomics.add(control, Slot.seq, 1);
      Atomics.notify(control, Slot.seq);
    }
    await Promise.all(this.members.map(({ worker, errors }) => worker.terminate().finally(() => errors.close())));
  }

  /** Blocks until worker `index` (1-based) has finished job `seq`; returns its error text, if any. */
  private waitFor(index: number, seq: number, whole: Share): string | undefined {
    const { control, errors } = this.members[index - 1]!;
    // Generous: 10 s, plus the whole product's multiply-adds at 10^8 a second (about a hundredth
    // of one core's speed).
    const timeoutMs = 10_000 + ((whole.i1 - whole.i0) * (whole.j1 - whole.j0) * whole.k) / 1e5;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(control, Slot.done);
      if (done === seq) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.fail(`worker thread ${index} did not finish its part within ${Math.round(timeoutMs)} ms`);
        return `worker thread ${index} did not finish its part within ${Math.round(timeoutMs)} ms; threads are off from now on`;
      }
      Atomics.wait(control, Slot.done, done, left);
    }
    if (Atomics.load(control, Slot.status) === Status.ok) return undefined;
    const message = this.workerThreads.receiveMessageOnPort(errors)?.message;
    return `worker thread ${index} failed: ${typeof message === 'string' ? message : 'no message'}`;
  }

  private fail(reason: string): void {
    if (this.closing || this.failure !== undefined) return;
    this.failure = reason;
    this.onFailure(this);
  }
}

/** Resolves when `worker` says 'ready'; rejects if it fails, exits or takes too long first. */
function ready(worker: NodeWorker, index: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = host.setTimeout(() => settle(new Error(`worker thread ${index} not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onMessage = (message: unknown): void => settle(message === 'ready' ? undefined : new Error(`worker thread ${index} said ${String(message)}`));
    const onError = (error: unknown): void => settle(new Error(`worker thread ${index} failed: ${describe(error)}`));
    const onExit = (code: unknown): void => settle(new Error(`worker thread ${index} exited (code ${String(code)})`));
    function settle(error: Error | undefined): void {
      host.clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    }
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/**
 * The worker script. From the build (dist/) it sits next to this file. Run from the TypeScript
 * sources, as the tests do, this file is src/kernels/wasm/thread-pool.ts and the worker comes from
 * the build, dist/kernels/wasm/thread-worker.js (Node cannot start a worker from a .ts file), so
 * build first (`npx tsc -b`).
 */
function workerUrl(): NodeUrl {
  const here = (import.meta as ImportMeta & { readonly url: string }).url;
  return here.endsWith('.ts') ? new host.URL('../../../dist/kernels/wasm/thread-worker.js', here) : new host.URL('./thread-worker.js', here);
}

/** An Int32Array of `slots` over a new SharedArrayBuffer. */
function int32s(slots: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(slots * Int32Array.BYTES_PER_ELEMENT));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A matmul worker thread (Node only; started by ./thread-pool.ts). It instantiates the shared
 * runtime's module on the shared memory, says 'ready', then serves jobs from its control block until
 * told to quit: each job is a product, of which it computes chunks with the same code as the main
 * thread.
 */
import { F32_PLAN, F64_PLAN, computeChunks, type Kernels } from './blocked.js';
import { loadWorkerThreads } from './node-api.js';
import { attachSharedRuntime } from './runtime.js';
import { Command, Slot, Status, claimChunk, readJob, type WorkerData } from './thread-protocol.js';

const { workerData, parentPort } = await loadWorkerThreads();
const { module, memory, control, queue, thread, errors } = workerData as WorkerData;
const runtime = attachSharedRuntime(module, memory);
const kernels: { readonly f32: Kernels; readonly f64: Kernels } = {
  f32: { gemm: runtime.gemmF32, pack: runtime.packF32 },
  f64: { gemm: runtime.gemmF64, pack: runtime.packF64 },
};
// Read SEQ before saying 'ready': a job may be posted as soon as the main thread hears it.
const firstSeq = Atomics.load(control, Slot.seq);
parentPort!.postMessage('ready');
serve(firstSeq);

/**
 * The job loop: park on SEQ until the main thread bumps it past `seen`, run the job, report in DONE.
 * (Spinning a while before parking was tried, to save the 15 to 40 us a parked thread takes to wake:
 * on a 2-core machine shared with other processes it made round trips 3 to 5 times slower.)
 */
function serve(seen: number): void {
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
      // Posted before DONE is written, so it is waiting on the port when the main thread looks.
      errors.postMessage(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
    Atomics.store(control, Slot.status, status);
    Atomics.store(control, Slot.done, seen);
    Atomics.notify(control, Slot.done);
  }
  errors.close();
}

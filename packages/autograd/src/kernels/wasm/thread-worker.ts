/**
 * A matmul worker thread (Node only; started by ./thread-pool.ts). It instantiates the shared
 * runtime's module on the shared memory, says 'ready', then serves jobs from its control block until
 * told to quit (`serveJobs`, the loop the browser's workers run too): each job is a product, of
 * which it computes chunks with the same code as the main thread.
 */
import { loadWorkerThreads } from './node-api.js';
import { attachSharedRuntime } from './runtime.js';
import { Slot, serveJobs, type WorkerData } from './thread-protocol.js';

const { workerData, parentPort } = await loadWorkerThreads();
const data = workerData as WorkerData;
const runtime = attachSharedRuntime(data.module, data.memory);
// Read SEQ before saying 'ready': a job may be posted as soon as the main thread hears it.
const firstSeq = Atomics.load(data.control, Slot.seq);
parentPort!.postMessage('ready');
serveJobs(data, runtime, firstSeq);

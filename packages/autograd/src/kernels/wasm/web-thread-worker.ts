/**
 * A matmul Web Worker (browsers; started by ./web-thread-pool.ts as a module worker). Its first
 * message holds the shared runtime's compiled module and memory, its control block and the queue;
 * it instantiates the module on the memory, says 'ready', then serves jobs until told to quit, with
 * the loop Node's workers run (`serveJobs`). It blocks in Atomics.wait the whole time, which a
 * worker may do; it never needs its event loop again.
 */
import { attachSharedRuntime, type MatmulRuntime } from './runtime.js';
import { Slot, serveJobs, type WorkerData } from './thread-protocol.js';
import { web, type WebEvent } from './web-api.js';

web.addEventListener('message', (event: WebEvent) => {
  const data = event.data as WorkerData;
  let runtime: MatmulRuntime;
  try {
    runtime = attachSharedRuntime(data.module, data.memory);
  } catch (error) {
    web.postMessage(`could not instantiate the matmul module: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  // Read SEQ before saying 'ready': a job may be posted as soon as the owner hears it.
  const firstSeq = Atomics.load(data.control, Slot.seq);
  web.postMessage('ready');
  serveJobs(data, runtime, firstSeq);
}, { once: true });

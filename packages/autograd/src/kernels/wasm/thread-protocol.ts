/**
 * How the main thread and a matmul worker talk, shared by ./thread-pool.ts and ./thread-worker.ts.
 *
 * Each worker has a control block: an Int32Array over a SharedArrayBuffer. To post a job (a product
 * and how it is cut into chunks) the main thread writes the command and the job into it, then bumps
 * SEQ and notifies; the worker, parked in Atomics.wait on SEQ, computes chunks, writes STATUS,
 * copies SEQ into DONE and notifies; the main thread waits on DONE. All threads of a pool claim
 * chunks from one shared counter, the queue (`claimChunk`). Errors travel as text on a MessagePort,
 * which the main thread reads synchronously (receiveMessageOnPort) once it sees STATUS = failed.
 */
import type { Share, Split } from './blocked.js';
import type { NodePort } from './node-api.js';
import type { WasmMemory } from './runtime.js';

/** Slots of the control block. */
export const Slot = { seq: 0, done: 1, status: 2, command: 3, job: 4 } as const;
export const Command = { compute: 0, quit: 1 } as const;
export const Status = { ok: 0, failed: 1 } as const;

/** The fields of a job, in the order they are stored from Slot.job on: the product's, then the split's. */
const SHARE_FIELDS = [
  'f64', 'aAt', 'aRowStride', 'aColStride', 'bAt', 'bRowStride', 'bColStride', 'cAt', 'ldc', 'k',
  'i0', 'i1', 'j0', 'j1', 'packedA', 'packedB', 'direct',
] as const satisfies readonly (keyof Share)[];
const SPLIT_FIELDS = ['byColumns', 'unit', 'chunks', 'threads', 'scratchStride'] as const satisfies readonly (keyof Split)[];
/** Strides may be negative (rows stored last to first); every other field is an unsigned integer. */
const SIGNED: ReadonlySet<string> = new Set(['aRowStride', 'aColStride', 'bRowStride', 'bColStride']);

/** Int32 slots of a control block. */
export const CONTROL_SLOTS = Slot.job + SHARE_FIELDS.length + SPLIT_FIELDS.length;

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

/** Slots of the queue, the pool's one Int32Array shared by all its threads. */
export const QUEUE_SLOTS = 1;

/** Claims the next chunk left over after each thread's first (see `computeChunks`): 0, 1, 2, ... per job. */
export function claimChunk(queue: Int32Array): number {
  return Atomics.add(queue, 0, 1);
}

/** What a worker is started with (its workerData). `errors` is the worker's end of its error channel. */
export interface WorkerData {
  /** The compiled matmul module (a WebAssembly.Module) and the shared memory it runs on. */
  readonly module: object;
  readonly memory: WasmMemory;
  readonly control: Int32Array;
  readonly queue: Int32Array;
  /** This worker's thread number (the main thread is 0). */
  readonly thread: number;
  readonly errors: NodePort;
}

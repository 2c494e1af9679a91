/**
 * @nn/io/node: safetensors files on disk, with Node's file system. The main entry stays browser-safe.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { checkOptions, type Tensor } from '@nn/autograd';
import { decodeSafetensors, type DecodedSafetensors, type DecodeOptions } from './decode.js';
import { encodeSafetensors } from './encode.js';

/** Writes `tensors` (and string `metadata`) to the safetensors file `path` (see `encodeSafetensors`). */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  await writeFile(path, encodeSafetensors(tensors, metadata));
}

/**
 * Reads the safetensors file `path` (see `decodeSafetensors`): the file is read once, and aligned
 * tensors are views of its bytes. A file that is not valid safetensors is an error naming the file,
 * then the tensor and what is wrong.
 */
export async function loadSafetensors(path: string, opts: DecodeOptions = {}): Promise<DecodedSafetensors> {
  checkOptions('loadSafetensors', opts, ['dtype']);
  const bytes = await readFile(path);
  try {
    return decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), opts);
  } catch (error) {
    // The decoder's message names the tensor and what is wrong; say which file it was.
    if (error instanceof Error) throw new Error(`loadSafetensors: ${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * Atomic file replacement with Node's file system: a crash (power loss, SIGKILL) at any point leaves
 * at `path` either the old file or the new one, never a part of either. The bytes go to a temporary
 * file in the same directory (a rename is atomic only within one file system), which is flushed to
 * disk (fsync) before it is renamed over `path`; then the directory is flushed, so that the rename
 * itself survives a power loss. A temporary file left by a crash is never read, only overwritten
 * by a later save's of the same process id or removed by hand.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The environment variable of the crash test: when it is set to a number of milliseconds, each
 * atomic write prints `nn-io: paused before rename <temporary file>` on standard error and sleeps
 * that long between flushing the temporary file and renaming it, so that a test can kill the
 * process exactly there. Unset (as always outside that test), it costs one property read.
 */
export const PAUSE_BEFORE_RENAME_ENV = 'NN_IO_TEST_PAUSE_BEFORE_RENAME_MS';

/** Writes `bytes` to `path` atomically (see the module's header). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.tmp`);
  const file = await open(temporary, 'w');
  try {
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    pauseForCrashTest(temporary);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

/** Flushes a directory's entries (the rename); platforms that cannot open a directory (Windows) skip it. */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on a directory (EINVAL); the rename is done, only its durability is the system's.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL' && (error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}

function pauseForCrashTest(temporary: string): void {
  const pause = process.env[PAUSE_BEFORE_RENAME_ENV];
  if (pause === undefined) return;
  process.stderr.write(`nn-io: paused before rename ${temporary}\n`);
  // A synchronous sleep: nothing else of the process runs until the kill arrives.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(pause));
}

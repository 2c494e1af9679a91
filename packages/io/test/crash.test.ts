/**
 * The SIGKILL test: a training process (resume-child.ts, compiled by `tsc -b` as `npm test` does
 * first) is killed with SIGKILL during training and, separately, inside saveCheckpoint between
 * writing the temporary file and renaming it; started again, it resumes from the checkpoint, and its
 * final state (weights, Adam's moments and step counts, the random generator, which orders the
 * shuffled batches and the dropout masks, and the history of losses) is bitwise that of a run that
 * was never interrupted.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { decodeCheckpoint, decodeSafetensors } from '@nn/io';

const child = fileURLToPath(new URL('../../../build/test/packages/io/test/resume-child.js', import.meta.url));
const EPOCHS = 5;
const dir = mkdtempSync(join(tmpdir(), 'nn-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  /** The lines the child printed. */
  lines: string[];
  /** The signal that ended it, or null when it exited. */
  signal: NodeJS.Signals | null;
  code: number | null;
}

/**
 * Runs the child on `checkpoint`; when `killWhen` is given, sends SIGKILL at the first line (of
 * standard output or error) that it accepts.
 */
function run(checkpoint: string, final: string, extra: string[] = [], killWhen?: (line: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, checkpoint, final, String(EPOCHS), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let errors = '';
    const watch = (chunk: Buffer, into: 'out' | 'err'): void => {
      const text = chunk.toString('utf8');
      if (into === 'err') errors += text;
      for (const line of text.split('\n').filter((l) => l !== '')) {
        lines.push(line);
        if (killWhen?.(line) && proc.exitCode === null) proc.kill('SIGKILL');
      }
    };
    proc.stdout.on('data', (chunk: Buffer) => watch(chunk, 'out'));
    proc.stderr.on('data', (chunk: Buffer) => watch(chunk, 'err'));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (killWhen === undefined && code !== 0) reject(new Error(`the child failed (${code}): ${errors}`));
      else resolve({ lines, signal, code });
    });
  });
}

/** The final checkpoint's tensors as their bytes (hex, so that a failure prints compactly), and its metadata. */
function finalState(path: string): { bytes: Record<string, string>; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path)));
  const bytes: Record<string, string> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const data = t.data();
    bytes[name] = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
  }
  return { bytes, metadata };
}

/** The names of the tensors and metadata of `actual` that differ from `expected`'s. */
function differences(actual: ReturnType<typeof finalState>, expected: ReturnType<typeof finalState>): string[] {
  const names = new Set([...Object.keys(actual.bytes), ...Object.keys(expected.bytes)]);
  const tensors = [...names].filter((name) => actual.bytes[name] !== expected.bytes[name]);
  const keys = new Set([...Object.keys(actual.metadata), ...Object.keys(expected.metadata)]);
  return [...tensors, ...[...keys].filter((key) => actual.metadata[key] !== expected.metadata[key]).map((key) => `metadata ${key}`)];
}

describe('killed with SIGKILL and resumed from its checkpoint', { timeout: 30_000 }, () => {
  let reference: ReturnType<typeof finalState>;

  test('the uninterrupted run (the reference)', async () => {
    await run(join(dir, 'straight.safetensors'), join(dir, 'straight-final.safetensors'));
    reference = finalState(join(dir, 'straight-final.safetensors'));
    expect(Object.keys(reference.bytes)).toContain('optimizer.state.0.expAvgSq');
    expect(JSON.parse(reference.metadata.history!).loss).toHaveLength(EPOCHS);
  });

  test('killed in the middle of an epoch: the resumed run ends bitwise equal', async () => {
    const checkpoint = join(dir, 'a.safetensors');
    const final = join(dir, 'a-final.safetensors');
    const killed = await run(checkpoint, final, [], (line) => line === 'batch 2 4');
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.lines).not.toContain('saved 2');
    expect(decodeCheckpoint(new Uint8Array(readFileSync(checkpoint))).epoch).toBe(1);
    const resumed = await run(checkpoint, final);
    expect(resumed.lines[0]).toBe('resumed 1');
    expect(resumed.lines[1]).toBe('batch 2 0');
    expect(differences(finalState(final), reference)).toEqual([]);
  });

  test('killed inside saveCheckpoint before the rename: the old checkpoint is intact, and the resumed run ends bitwise equal', async () => {
    const checkpoint = join(dir, 'b.safetensors');
    const final = join(dir, 'b-final.safetensors');
    const killed = await run(checkpoint, final, ['3'], (line) => line.startsWith('nn-io: paused before rename'));
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.lines.at(-1)).toMatch(/^nn-io: paused before rename .*\.b\.safetensors\.\d+\.tmp$/);
    // The new checkpoint was fully written (and flushed) to the temporary file; the target is the old one.
    const temporary = readdirSync(dir).filter((name) => name.startsWith('.b.safetensors.'));
    expect(temporary).toHaveLength(1);
    expect(decodeCheckpoint(new Uint8Array(readFileSync(join(dir, temporary[0]!)))).epoch).toBe(3);
    expect(decodeCheckpoint(new Uint8Array(readFileSync(checkpoint))).epoch).toBe(2);
    const resumed = await run(checkpoint, final);
    expect(resumed.lines[0]).toBe('resumed 2');
    expect(differences(finalState(final), reference)).toEqual([]);
    expect(existsSync(join(dir, temporary[0]!))).toBe(true); // a leftover of the killed process, never read
  });
});

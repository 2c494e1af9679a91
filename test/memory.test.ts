/**
 * Training does not leak: after a warm-up (the JIT's code and the allocator's pools settle within about
 * a thousand steps), a thousand more steps leave the JS heap and the process's
 * resident memory where they were. Each run is a child process started with --expose-gc, so that
 * the heap can be measured after a full collection, and so that no other test's garbage counts.
 * Both backends are checked: 'wasm' also covers the WebAssembly memory, which only ever grows.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Trains a 196-64-10 MLP with SGD and reports memory after `warmUp` and after `warmUp + steps` steps. */
const script = (backend: string, warmUp: number, steps: number): string => `
import { Generator, rand, setBackend, tensor } from '@nn/autograd';
import { crossEntropy, Dense, ReLU, Sequential } from '@nn/layers';
import { SGD } from '@nn/optim';
setBackend(${JSON.stringify(backend)});
const rng = new Generator(1);
const inputs = rand([32, 196], { rng });
const labels = tensor(Array.from({ length: 32 }, (_, i) => i % 10));
const net = new Sequential([new Dense(196, 64, { rng }), new ReLU(), new Dense(64, 10, { rng })]);
const optimizer = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
const train = (steps) => {
  for (let i = 0; i < steps; i++) {
    optimizer.zeroGrad();
    crossEntropy(net.call(inputs), labels).backward();
    optimizer.step();
  }
};
const measure = () => { globalThis.gc(); globalThis.gc(); const m = process.memoryUsage(); return { heap: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers }; };
train(${warmUp});
const before = measure();
train(${steps});
const after = measure();
console.log(JSON.stringify({ before, after }));
`;

interface Memory {
  heap: number;
  rss: number;
  external: number;
}

function memoryAcrossSteps(backend: string): { before: Memory; after: Memory } {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script(backend, 1000, 1000)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { before: Memory; after: Memory };
}

const MiB = 1024 * 1024;

describe('memory over training steps', () => {
  test.each(['js', 'wasm'])('backend %s: heap, buffers and resident memory stay flat over 1000 steps', (backend) => {
    const { before, after } = memoryAcrossSteps(backend);
    // A leak of one small object per step would add tens of KiB; one of a gradient per step, 200 MB.
    expect(after.heap - before.heap, 'JS heap growth').toBeLessThan(1 * MiB);
    expect(after.external - before.external, 'typed-array and WebAssembly memory growth').toBeLessThan(1 * MiB);
    expect(after.rss - before.rss, 'resident memory growth').toBeLessThan(16 * MiB);
  });
});

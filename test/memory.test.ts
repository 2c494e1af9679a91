/**
 * Training does not leak: after a warm-up (the JIT's code and the allocator's pools settle within about
 * a thousand steps), a thousand more steps leave the JS heap and the process's
 * resident memory where they were. Each run is a child process started with --expose-gc, so that
 * the heap can be measured after a full collection, and so that no other test's garbage counts.
 * Both backends are checked: 'wasm' also covers the WebAssembly memory, which only ever grows.
 *
 * And a loss kept after backward() keeps no graph alive (WeakRefs to the activations are cleared),
 * neither do the results of the functional transforms.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs `body` (an ES module) in a child Node with --expose-gc and returns the JSON of its last line. */
function runChild<T>(body: string): T {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', body], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

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
  return runChild(script(backend, 1000, 1000));
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

// ---------------------------------------------------------------------------------------------
// A loss kept after backward() keeps no graph alive: as in PyTorch, a backward pass without
// retainGraph releases the saved tensors and intermediate values, and only the loss's own value
// stays (loss.item() and loss.toArray() still work; a second backward throws).
// ---------------------------------------------------------------------------------------------

/**
 * Shared by the child scripts: a 784-256-10 MLP step written with tensor ops (the graph-node path),
 * and a micrograd-style MLP of rank-0 tensors (the scalar tape path), each returning its loss and
 * the intermediate tensors (activations) of the step. `collected(refs)` says which WeakRefs were
 * cleared after a full collection; it waits for a new macrotask first, since a WeakRef keeps its
 * target alive until the end of the job that made it.
 */
const models = `
import { Generator, randn, tensor, noGrad } from '@nn/autograd';
import { crossEntropy } from '@nn/layers';
const rng = new Generator(7);
const inputs = randn([32, 784], { rng });
const labels = tensor(Array.from({ length: 32 }, (_, i) => i % 10));
const w1 = randn([784, 256], { rng, requiresGrad: true });
const b1 = randn([256], { rng, requiresGrad: true });
const w2 = randn([256, 10], { rng, requiresGrad: true });
const b2 = randn([10], { rng, requiresGrad: true });
function tensorStep() {
  const h = inputs.matmul(w1.mul(0.01)).add(b1);
  const a = h.relu();
  const logits = a.matmul(w2.mul(0.01)).add(b2);
  return { loss: crossEntropy(logits, labels), activations: [h, a, logits] };
}
const scalarWeights = Array.from({ length: 3 * 8 + 8 }, () => tensor(rng.normal() * 0.5, { dtype: 'float64', requiresGrad: true }));
const samples = Array.from({ length: 16 }, () => [rng.normal(), rng.normal(), rng.normal()]);
function scalarStep() {
  const activations = [];
  let loss = tensor(0, { dtype: 'float64' });
  for (const [k, sample] of samples.entries()) {
    let out = tensor(0, { dtype: 'float64' });
    for (let j = 0; j < 8; j++) {
      let z = tensor(0, { dtype: 'float64' });
      for (let i = 0; i < 3; i++) z = z.add(scalarWeights[3 * j + i].mul(sample[i]));
      const a = z.tanh();
      activations.push(a);
      out = out.add(a.mul(scalarWeights[24 + j]));
    }
    loss = loss.add(out.sub(k % 2).square());
  }
  return { loss, activations };
}
const update = () => noGrad(() => {
  for (const p of [w1, b1, w2, b2, ...scalarWeights]) if (p.grad !== null) { p.assign(p.sub(p.grad.mul(1e-3))); p.zeroGrad(); }
});
const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));
async function collected(refs) {
  await macrotask();
  globalThis.gc();
  globalThis.gc();
  return refs.map((ref) => ref.deref() === undefined);
}
const heap = () => { globalThis.gc(); globalThis.gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
`;

interface Released {
  activations: boolean[];
  storages: boolean[];
  retained: boolean[];
  item: number;
  array: unknown;
  value: number;
  second: string;
}

/** After one step of `step`: which activations (tensors, and their storages) were collected while the loss is kept. */
const releaseScript = (step: string): string => `${models}
const kept = [];
function run(options) {
  const { loss, activations } = ${step}();
  const refs = activations.map((t) => new WeakRef(t));
  const storages = activations.map((t) => new WeakRef(t.storage));
  const value = loss.item();
  loss.backward(undefined, options);
  kept.push(loss);
  return { refs, storages, value };
}
const released = run({});
const [activations, storages] = [await collected(released.refs), await collected(released.storages)];
const loss = kept[0];
let second = '';
try { loss.backward(); } catch (error) { second = error.message; }
// With retainGraph, the graph (and so every activation) must stay for a second pass.
const retainedRun = run({ retainGraph: true });
// (A tensor object of the scalar tape may die with the graph kept: the tape holds values, not objects.)
const retained = await collected(retainedRun.storages);
kept[1].backward();
console.log(JSON.stringify({ activations, storages, retained, item: loss.item(), array: loss.toArray(), value: released.value, second }));
`;

describe('a loss kept after backward keeps no graph alive', () => {
  test.each([
    ['tensor MLP (graph nodes)', 'tensorStep'],
    ['micrograd MLP (scalar tape)', 'scalarStep'],
  ])('%s: the activations are collected; item(), toArray() work; a second backward throws', (_, step) => {
    const result = runChild<Released>(releaseScript(step));
    expect(result.activations, 'activation tensors collected').toEqual(result.activations.map(() => true));
    expect(result.storages, 'activation storages collected').toEqual(result.storages.map(() => true));
    expect(result.retained, 'activation storages kept by retainGraph: true').toEqual(result.retained.map(() => false));
    expect(result.item).toBe(result.value);
    expect(result.array).toBe(result.value);
    expect(result.second).toMatch(/backward: the graph through '\w+' was already released.*retainGraph/);
  });

  /** Heap growth per step while every loss of `steps` steps is kept, after a warm-up. */
  const growthScript = (step: string, steps: number): string => `${models}
const train = (steps, losses) => {
  for (let i = 0; i < steps; i++) {
    const { loss } = ${step}();
    loss.backward();
    update();
    losses?.push(loss);
  }
};
train(50);
const losses = [];
const before = heap();
train(${steps}, losses);
const after = heap();
console.log(JSON.stringify({ perStep: (after - before) / ${steps}, kept: losses.length }));
`;

  test.each([
    // Before the fix these held about 900 KB (tensor) and 100 KB (scalar) a step.
    ['tensor MLP (graph nodes)', 'tensorStep'],
    ['micrograd MLP (scalar tape)', 'scalarStep'],
  ])('%s: keeping the loss of each of 200 steps grows the heap by less than 20 KB a step', (_, step) => {
    const { perStep, kept } = runChild<{ perStep: number; kept: number }>(growthScript(step, 200));
    expect(kept).toBe(200);
    expect(perStep, 'bytes retained per kept loss').toBeLessThan(20 * 1024);
  });
});

/**
 * The functional transforms run backward passes inside: their results (values and gradients) must
 * not keep the graph of f alive either. Each f saves its intermediates in `seen`; the script keeps
 * every transform's results and checks that the intermediates' storages are collected.
 */
const transformsScript = (shape: 'tensor' | 'scalar'): string => `
import { grad, valueAndGrad, vjp, jvp, hvp, jacobian, randn, tensor } from '@nn/autograd';
import { Generator } from '@nn/autograd';
const rng = new Generator(3);
const seen = [];
const keep = (t) => (seen.push(new WeakRef(t.storage)), t);
const f = ${JSON.stringify(shape)} === 'tensor'
  ? (x) => keep(keep(x.matmul(x.transpose()).mul(0.1)).tanh()).sum()
  : (x) => keep(keep(keep(x.mul(x)).tanh()).add(x).exp()).mul(x);
const x = ${JSON.stringify(shape)} === 'tensor' ? randn([6, 4], { rng, dtype: 'float64' }) : tensor(0.3, { dtype: 'float64' });
const t = x.mul(0.5);
const results = {};
const kept = [];
const run = (name, fn) => { const before = seen.length; kept.push(fn()); results[name] = seen.slice(before); };
run('grad', () => grad(f)(x));
run('valueAndGrad', () => valueAndGrad(f)(x));
run('vjp', () => { const [y, vjpFn] = vjp(f, x); vjpFn(y.mul(0).add(1)); return y; });
run('jvp', () => jvp(f, [x], [t]));
run('hvp', () => hvp(f, [x], [t]));
run('jacobian', () => jacobian(f)(x));
await new Promise((resolve) => setTimeout(resolve, 0));
globalThis.gc();
globalThis.gc();
const alive = Object.fromEntries(Object.entries(results).map(([name, refs]) => [name, refs.filter((ref) => ref.deref() !== undefined).length]));
console.log(JSON.stringify({ alive, kept: kept.length }));
`;

describe('the functional transforms keep no graph in their results', () => {
  test.each(['tensor', 'scalar'] as const)('%s f: no intermediate of f outlives the call', (shape) => {
    const { alive } = runChild<{ alive: Record<string, number> }>(transformsScript(shape));
    expect(alive).toEqual({ grad: 0, valueAndGrad: 0, vjp: 0, jvp: 0, hvp: 0, jacobian: 0 });
  });
});

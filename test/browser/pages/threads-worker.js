// The products of threads.html, in a dedicated worker: on 2 threads where the page is isolated,
// then on 1, held to each other bit for bit and to a float64 dot product at a few entries; a
// failure in a web worker, a wrong worker URL, and a worker that stops answering. Posts a report.
import { conv2d, matmul, rand, randn } from '/packages/autograd/dist/index.js';
import { getNumThreads, setNumThreads } from '/packages/autograd/dist/web.js';
import { parallelExecutor, setParallelExecutor } from '/packages/autograd/dist/kernels/wasm/parallel.js';

/** Runs `f` while counting the products the pool gets (0 where there is none). */
function counting(f) {
  const executor = parallelExecutor();
  if (executor === null) return { value: f(), runs: 0 };
  let runs = 0;
  const wrapper = { threads: executor.threads, runtime: executor.runtime, run: (whole, split) => { runs++; executor.run(whole, split); } };
  setParallelExecutor(wrapper);
  try {
    return { value: f(), runs };
  } finally {
    // A pool that broke during f has removed the wrapper: leave it removed.
    if (parallelExecutor() === wrapper) setParallelExecutor(executor);
  }
}

/** Largest relative error of a few entries of `c` (m x n, row-major) against float64 dot products of a (m x k) and b (k x n). */
function spotError(a, b, c, m, k, n) {
  const av = a.data(), bv = b.data(), cv = c.data();
  let worst = 0;
  for (let s = 0; s < 16; s++) {
    const i = (s * 7919) % m, j = (s * 104729) % n;
    let dot = 0, scale = 0;
    for (let p = 0; p < k; p++) { dot += av[i * k + p] * bv[p * n + j]; scale += Math.abs(av[i * k + p] * bv[p * n + j]); }
    worst = Math.max(worst, Math.abs(cv[i * n + j] - dot) / scale);
  }
  return worst;
}

const sameBits = (x, y) => {
  const u = new Uint8Array(x.buffer, x.byteOffset, x.byteLength), v = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
  return u.length === v.length && u.every((byte, i) => byte === v[i]);
};

/** The products of the check: float32 and float64 matmuls, and a conv2d whose per-image products are past the threshold. */
function products() {
  const out = {};
  for (const dtype of ['float32', 'float64']) {
    const a = randn([300, 257], { dtype }), b = randn([257, 310], { dtype });
    const { value, runs } = counting(() => matmul(a, b));
    out[dtype] = { a, b, c: value, runs };
  }
  const x = randn([2, 32, 32, 32]), w = randn([64, 32, 3, 3]);
  const { value, runs } = counting(() => conv2d(x, w));
  out.conv = { x, w, c: value, runs };
  return out;
}

/**
 * Best and median ms of `f` on the pool and on one thread, alternating run by run (the machine's load
 * changes from second to second; alternating gives both the same share of it), after a warm-up.
 */
function time(f, reps) {
  const executor = parallelExecutor();
  const ms = { 1: [], 2: [] };
  try {
    for (let r = -2; r < reps; r++) {
      for (const threads of [2, 1]) {
        setParallelExecutor(threads === 2 ? executor : null);
        const t = performance.now();
        f();
        if (r >= 0) ms[threads].push(performance.now() - t);
      }
    }
  } finally {
    setParallelExecutor(executor);
  }
  const stats = (list) => { list.sort((p, q) => p - q); return { best: list[0], median: list[list.length >> 1] }; };
  return { 1: stats(ms[1]), 2: stats(ms[2]) };
}

/** Times of products and a conv2d, 1 thread against 2, with the pool up. */
function timings() {
  const rows = [];
  for (const [side, reps] of [[256, 21], [512, 9], [1024, 5]]) {
    for (const dtype of ['float32', 'float64']) {
      const a = rand([side, side], { dtype }), b = rand([side, side], { dtype });
      rows.push({ what: `matmul ${side}`, dtype, ...time(() => matmul(a, b), reps) });
    }
  }
  const x = randn([8, 32, 32, 32]), w = randn([64, 32, 3, 3]);
  rows.push({ what: 'conv2d [8,32,32,32] * [64,32,3,3]', dtype: 'float32', ...time(() => conv2d(x, w), 9) });
  return rows;
}

async function run({ timings: wantTimings }) {
  const report = { isolated: self.crossOriginIsolated };
  await setNumThreads(2);
  report.threads = getNumThreads();
  const threaded = products();
  if (wantTimings && getNumThreads() === 2) report.timings = timings();
  await setNumThreads(1);
  report.threadsAfterOff = getNumThreads();
  report.results = {};
  for (const name of ['float32', 'float64', 'conv']) {
    const p = threaded[name];
    const single = name === 'conv' ? conv2d(p.x, p.w) : matmul(p.a, p.b);
    report.results[name] = {
      runsOnPool: p.runs,
      sameBits: sameBits(p.c.data(), single.data()),
      spotError: name === 'conv' ? undefined : spotError(p.a, p.b, p.c, p.a.shape[0], p.a.shape[1], p.b.shape[1]),
    };
  }
  if (!report.isolated) return report;

  // A failure in a worker is thrown here, and the pool keeps working: a product whose packing
  // scratch for thread 1 lies far past the end of memory (the Node test's case).
  await setNumThreads(2);
  const whole = {
    f64: 0, aAt: 4096, aRowStride: 32, aColStride: 4, bAt: 8192, bRowStride: 128, bColStride: 4, cAt: 16384, ldc: 128, k: 8,
    i0: 0, i1: 8, j0: 0, j1: 32, packedA: 0, packedB: 1024, direct: 0,
  };
  try {
    parallelExecutor().run(whole, { byColumns: 1, unit: 16, chunks: 2, threads: 2, scratchStride: 0xfff00000 });
    report.workerFailure = 'no error';
  } catch (error) {
    report.workerFailure = error.message;
  }
  const again = products().float32;
  report.afterFailure = { threads: getNumThreads(), runsOnPool: again.runs, spotError: spotError(again.a, again.b, again.c, 300, 257, 310) };

  // A wrong worker URL: setNumThreads rejects and products stay on one thread.
  await setNumThreads(1);
  try {
    await setNumThreads(2, { workerUrl: new URL('./no-such-worker.js', import.meta.url) });
    report.badUrl = 'resolved';
  } catch (error) {
    report.badUrl = error.message;
  }
  report.threadsAfterBadUrl = getNumThreads();

  // The explicit workerUrl, as a bundled app passes it.
  await setNumThreads(2, { workerUrl: '/packages/autograd/dist/kernels/wasm/web-thread-worker.js' });
  report.threadsWithUrl = getNumThreads();

  // A worker that stops answering (terminated behind the pool's back): the product throws after
  // the timeout (10 s for a small one), the pool turns off, and the next product runs on one thread.
  const pool = parallelExecutor();
  pool.workers[0].terminate();
  // terminate() only asks a worker blocked in Atomics.wait to stop, and Chromium kills it by force
  // some time later (2 s, it seems); until then it wakes for jobs. Give it 3 s.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const a = randn([300, 257]), b = randn([257, 310]);
  const started = performance.now();
  try {
    const dead = counting(() => matmul(a, b));
    report.deadWorker = `no error (${dead.runs} on the pool)`;
  } catch (error) {
    report.deadWorker = error.message;
  }
  report.deadWorkerMs = Math.round(performance.now() - started);
  const afterDeath = counting(() => matmul(a, b));
  report.afterDeath = { threads: getNumThreads(), runsOnPool: afterDeath.runs, spotError: spotError(a, b, afterDeath.value, 300, 257, 310) };
  return report;
}

self.addEventListener('message', (event) => {
  run(event.data).then(
    (report) => self.postMessage(report),
    (error) => self.postMessage({ error: `${error.name}: ${error.message}\n${error.stack}` }),
  );
}, { once: true });

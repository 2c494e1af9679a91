// The matmul benchmark page (driven by run.ts, or opened by hand): float32 and float64 GFLOPS of
// the plain WebAssembly SIMD128 kernels and of the relaxed-SIMD ones (fused multiply-add), one
// thread, square sizes. Query: ?sizes=256,512,1024&runs=7. Sets window.result when done.
import { matmul, rand, setBackend, manualSeed } from '/packages/autograd/dist/index.js';
import { relaxedSimdAvailable, relaxedSimdInUse, setRelaxedSimd } from '/packages/autograd/dist/wasm.js';

const query = new URLSearchParams(location.search);
const sizes = (query.get('sizes') ?? '256,512,1024').split(',').map(Number);
const runs = Number(query.get('runs') ?? '7');
const status = document.getElementById('status');
const table = document.getElementById('table');

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Milliseconds of one product, `runs` times, after warming up. Each variant is its own compiled
 * module (switching compiles it again), and V8 starts a module on its baseline tier, so the warm-up
 * runs the product until its times settle (at least three runs and 200 ms) before anything counts.
 */
function time(a, b, count) {
  const warmUntil = performance.now() + 200;
  for (let i = 0; i < 3 || performance.now() < warmUntil; i++) matmul(a, b);
  const times = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    matmul(a, b);
    times.push(performance.now() - t);
  }
  return times;
}

async function main() {
  setBackend('wasm');
  manualSeed(1);
  const available = relaxedSimdAvailable();
  const rows = [];
  for (const dtype of ['float32', 'float64']) {
    for (const n of sizes) {
      const a = rand([n, n], { dtype });
      const b = rand([n, n], { dtype });
      const ms = { plain: [], relaxed: [] };
      // Two rounds of each, alternating (plain, relaxed, plain, relaxed), so a drift in the machine's
      // speed (other work on it) falls on both.
      for (let round = 0; round < 2; round++) {
        for (const variant of ['plain', 'relaxed']) {
          setRelaxedSimd(variant === 'relaxed');
          if (variant === 'relaxed' && !relaxedSimdInUse()) continue;
          ms[variant].push(...time(a, b, Math.ceil(runs / 2)));
          await new Promise((resolve) => setTimeout(resolve, 0)); // let the page paint
        }
      }
      const flops = 2 * n ** 3;
      const gflops = (times) => (times.length === 0 ? null : flops / median(times) / 1e6);
      const row = { dtype, n, plainMs: median(ms.plain), relaxedMs: ms.relaxed.length ? median(ms.relaxed) : null, plain: gflops(ms.plain), relaxed: gflops(ms.relaxed), runs: ms.plain.length };
      rows.push(row);
      table.textContent += `${dtype} ${n}: plain ${row.plain.toFixed(1)} GFLOPS, relaxed ${row.relaxed === null ? '-' : row.relaxed.toFixed(1)} GFLOPS\n`;
    }
  }
  setRelaxedSimd(true);
  status.textContent = `done (relaxed SIMD ${available ? 'available' : 'not available'}; cross-origin isolated: ${self.crossOriginIsolated})`;
  window.result = { relaxedAvailable: available, userAgent: navigator.userAgent, rows };
}

main().catch((error) => {
  status.textContent = `failed: ${error}`;
  window.result = { error: String(error && error.stack || error) };
});

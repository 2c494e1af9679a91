// Run by packages/autograd/test/kernels-wasm-relaxed.test.ts under node --experimental-wasm-relaxed-simd
// (and without it), and by the browser page test/browser/pages/relaxed-simd.html: products on the
// WebAssembly kernels with the relaxed variant and with the plain one, on awkward sizes, and how far
// apart they are against the bound that fused rounding allows.
export async function compareVariants(autograd, wasm) {
  const { tensor, setBackend } = autograd;
  setBackend('wasm');
  const cases = [];
  for (const dtype of ['float32', 'float64']) {
    for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [17, 33, 9], [64, 64, 64], [65, 130, 31], [200, 7, 129]]) {
      const a = randomMatrix(m, k, 1 + m + k);
      const b = randomMatrix(k, n, 2 + k * n);
      const product = () => tensor(a, { dtype }).matmul(tensor(b, { dtype })).toArray().flat();
      wasm.setRelaxedSimd(true);
      const relaxedInUse = wasm.relaxedSimdInUse();
      const relaxed = product();
      wasm.setRelaxedSimd(false);
      const plain = product();
      wasm.setRelaxedSimd(true);
      // Fused rounding: one rounding per multiply-add instead of two, so each partial sum may differ
      // by one rounding of its product; over k terms at most about 2 k eps sum|a_i b_i| (each
      // kernel's own error is k eps sum|a_i b_i|).
      const eps = dtype === 'float32' ? 2 ** -23 : 2 ** -52;
      let worst = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let absSum = 0;
          for (let t = 0; t < k; t++) absSum += Math.abs(a[i][t] * b[t][j]);
          const bound = 2 * k * eps * absSum + Number.MIN_VALUE;
          worst = Math.max(worst, Math.abs(relaxed[i * n + j] - plain[i * n + j]) / bound);
        }
      }
      cases.push({ dtype, shape: [m, k, n], relaxedInUse, worstOverBound: worst, finite: relaxed.every(Number.isFinite) });
    }
  }
  setBackend('auto');
  return { available: wasm.relaxedSimdAvailable(), cases };
}

/** A seeded matrix of values in (-1, 1): a small linear congruential generator, so every engine draws the same. */
function randomMatrix(rows, cols, seed) {
  let state = seed >>> 0;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: rows }, () => Array.from({ length: cols }, next));
}

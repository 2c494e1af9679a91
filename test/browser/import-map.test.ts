/**
 * The packages load in a browser as they are built, unbundled: a page maps every @nn/* package to
 * its dist/index.js with an import map, imports each main entry and runs something real from each,
 * on the main thread (where Chromium refuses to compile a WebAssembly module over 4 KiB
 * synchronously, so the WebAssembly kernels run there too, forced, on a large matmul and an Adam step).
 */
import { describe, expect, test } from 'vitest';
import { openPage, waitForResult } from '../../examples/browser/chromium.js';
import { useBrowser } from './harness.js';

const harness = useBrowser({ plain: true });

interface PageResult {
  error?: string;
  grad: number[];
  denseOut: number[][];
  sgdParam: number[];
  digits: { shape: number[]; labels: number[]; classes: number; first: number[]; label0: number };
  fit: { epochs: number; loss: number[]; evaluated: Record<string, number>; rows: number };
  io: { bytes: boolean; names: string[]; weight: number[][]; steps: number[]; stepsDtype: string; metadata: Record<string, string> };
  solved: number[];
  wasm: { backendUsed: string; size: number; maxDiff: number; sum: number; adamMoved: boolean };
  isolated: boolean;
}

describe('the packages through an import map, unbundled', () => {
  test('a page imports every main entry and runs each, WebAssembly kernels on the main thread included', async () => {
    const { page, errors } = await openPage(harness.browser, `${harness.plain.url}test/browser/pages/import-map.html`);
    const result = (await waitForResult(page)) as PageResult;
    expect(result.error).toBeUndefined();
    expect(errors).toEqual([]);
    // Not isolated: no SharedArrayBuffer, and still every package runs (on one thread).
    expect(result.isolated).toBe(false);

    expect(result.grad).toEqual([30, 40]);
    // [1, 3] . [2, -1] + 0.5 = -0.5 and [2, 0] . [2, -1] + 0.5 = 4.5.
    expect(result.denseOut).toEqual([[-0.5], [4.5]]);
    expect(result.sgdParam).toEqual([1.4]);

    expect(result.digits.shape).toEqual([1797, 64]);
    expect(result.digits.labels).toEqual([1797]);
    expect(result.digits.classes).toBe(10);
    // The first image of the UCI test part (pixel counts 0, 0, 5, 13, 9, 1, 0, 0 over 16), a 0.
    expect(result.digits.first).toEqual([0, 0, 0.3125, 0.8125, 0.5625, 0.0625, 0, 0]);
    expect(result.digits.label0).toBe(0);

    expect(result.fit.epochs).toBe(1);
    expect(result.fit.loss).toHaveLength(1);
    expect(result.fit.loss[0]).toBeGreaterThan(0);
    expect(Number.isFinite(result.fit.loss[0])).toBe(true);
    expect(Object.keys(result.fit.evaluated).sort()).toEqual(['accuracy', 'loss']);
    expect(result.fit.evaluated.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.fit.evaluated.accuracy).toBeLessThanOrEqual(1);

    expect(result.io).toEqual({
      bytes: true,
      names: ['fc.weight', 'steps'],
      weight: [[1.5, -2], [0.25, 8]],
      steps: [3, 4],
      stepsDtype: 'int32',
      metadata: { format: 'pt' },
    });

    expect(result.solved).toEqual([2, 3]);

    expect(result.wasm.backendUsed).toBe('wasm');
    expect(result.wasm.size).toBe(256 * 256);
    // Both sum 256 products of values in [-1, 1] in float32, in different orders.
    expect(result.wasm.maxDiff).toBeLessThan(1e-3);
    expect(Number.isFinite(result.wasm.sum)).toBe(true);
    expect(result.wasm.adamMoved).toBe(true);
  });
});

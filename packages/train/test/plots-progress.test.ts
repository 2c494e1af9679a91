/** The SVG writer and the progress output. */
import { describe, expect, test } from 'vitest';
import { History, lineChart, plotHistory, Progress, ticks } from '../src/index.js';

describe('svg', () => {
  test('ticks are round numbers covering the range', () => {
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(3, 47)).toEqual([10, 20, 30, 40]);
  });

  test('a line chart is a standalone SVG with axes, labels, legend and one polyline per series', () => {
    const svg = lineChart([{ label: 'a < b', values: [3, 2, 1] }, { label: 'b', values: [[1, 0], [3, 5]] }], { title: 'T', xLabel: 'epoch', yLabel: 'loss' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('>epoch</text>');
    expect(svg).toContain('>a &lt; b</text>');
    expect(svg).toContain('font-weight="bold">T</text>');
  });

  test('plotHistory draws loss and metrics, validation dashed', () => {
    const history = new History();
    history.record(0, { loss: 1, accuracy: 0.5, val_loss: 1.2, val_accuracy: 0.4 });
    history.record(1, { loss: 0.5, accuracy: 0.8, val_loss: 0.7, val_accuracy: 0.7 });
    const svg = plotHistory(history);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg.match(/stroke-dasharray/g)!.length).toBeGreaterThanOrEqual(2);
    expect(svg).toContain('>validation accuracy</text>');
  });

  test('plotHistory gives every series its own colour, a legend entry, and the axis the metric names', () => {
    const history = new History();
    history.record(0, { loss: 1, accuracy: 0.5, precision: 0.4, val_loss: 1.2, val_accuracy: 0.4, val_precision: 0.3 });
    history.record(1, { loss: 0.5, accuracy: 0.8, precision: 0.7, val_loss: 0.7, val_accuracy: 0.7, val_precision: 0.6 });
    const svg = plotHistory(history);
    const colours = [...svg.matchAll(/<polyline fill="none" stroke="([^"]+)"/g)].map((m) => m[1]);
    expect(colours).toHaveLength(6);
    expect(new Set(colours.slice(0, 2)).size, 'loss: train and validation').toBe(2);
    expect(new Set(colours.slice(2)).size, 'metrics: four series').toBe(4);
    for (const label of ['train loss', 'validation loss', 'train accuracy', 'validation accuracy', 'train precision', 'validation precision']) {
      expect(svg).toContain(`>${label}</text>`);
    }
    // The legend sample of each series has the colour of its curve.
    const samples = [...svg.matchAll(/<line x1="[^"]+" y1="[^"]+" x2="[^"]+" y2="[^"]+" stroke="([^"]+)" stroke-width="2"/g)].map((m) => m[1]);
    expect(samples).toEqual(colours);
    expect(svg).not.toContain('>value</text>');
    expect(svg).toMatch(/transform="rotate\(-90[^"]*"[^>]*>accuracy, precision<\/text>/);
    const one = new History();
    one.record(0, { loss: 1, accuracy: 0.5 });
    expect(plotHistory(one)).toMatch(/transform="rotate\(-90[^"]*"[^>]*>accuracy<\/text>/);
  });

  test('the legend sits on a box wide enough for its longest label, inside the plot', () => {
    const svg = lineChart([{ label: 'a rather long validation label', values: [1, 2] }, { label: 'b', values: [2, 1] }], { width: 640 });
    const box = svg.match(/<rect class="legend" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/);
    expect(box).not.toBeNull();
    const [left, width] = [Number(box![1]), Number(box![2])];
    expect(width).toBeGreaterThan(0.55 * 12 * 'a rather long validation label'.length);
    expect(left + width).toBeLessThanOrEqual(640 - 20); // the plot's right edge
  });
});

describe('progress', () => {
  const capture = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { sink: { isTTY, write: (text: string) => void chunks.push(text) }, chunks };
  };

  test('a terminal gets a live line redrawn per batch', () => {
    const { sink, chunks } = capture(true);
    const progress = new Progress(1, 3, sink);
    progress.epochBegin();
    progress.batchEnd(0, 0, 4, { loss: 0.5 });
    progress.epochEnd(0, 4, { loss: 0.25, accuracy: 0.9 });
    expect(chunks[0]).toMatch(/^\rEpoch 1\/3  1\/4 \[=======>\.{22}\] loss 0\.5000 +[\d.]+ ms\/step\u001b\[K$/);
    expect(chunks[1]).toMatch(/^\rEpoch 1\/3  4\/4 \[={30}\] loss 0\.2500  accuracy 0\.9000 .*\n$/);
  });

  test('elsewhere one plain line per epoch; verbose 0 prints nothing', () => {
    const plain = capture(false);
    const progress = new Progress(1, 2, plain.sink);
    progress.epochBegin();
    progress.batchEnd(0, 0, 2, { loss: 1 });
    progress.epochEnd(0, 2, { loss: 1 });
    expect(plain.chunks).toHaveLength(1);
    expect(plain.chunks[0]).not.toContain('\r');
    const silent = capture(true);
    new Progress(0, 2, silent.sink).epochEnd(0, 2, { loss: 1 });
    expect(silent.chunks).toHaveLength(0);
  });
});

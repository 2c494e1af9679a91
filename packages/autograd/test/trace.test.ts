/** traceOps: the op trace that ONNX export records a forward with. */
import { describe, expect, it } from 'vitest';
import { defineOp, noGrad, tensor, traceOps, type TracedOp } from '../src/index.js';

const names = (ops: TracedOp[]): string[] => ops.map((op) => op.name);

describe('traceOps', () => {
  it('reports each op with its inputs, attrs and output, in order', () => {
    const x = tensor([[1, -2], [3, 4]]);
    const ops: TracedOp[] = [];
    const y = traceOps(() => x.relu().sum(1).reshape([2, 1]), (op) => ops.push(op));
    expect(names(ops)).toEqual(['relu', 'sum', 'reshape']);
    expect(ops[0]!.inputs[0]).toBe(x);
    expect(ops[1]!.inputs[0]).toBe(ops[0]!.output);
    expect(ops[1]!.attrs).toEqual({ axes: [1], keepDims: false });
    expect(ops[2]!.attrs).toEqual([2, 1]);
    expect(ops[2]!.output).toBe(y);
  });

  it('reports comparisons, which carry no gradient and skip the op records', () => {
    const x = tensor([1, -2]);
    const ops: TracedOp[] = [];
    traceOps(() => x.gt(0), (op) => ops.push(op));
    expect(names(ops)).toEqual(['gt']);
    expect(ops[0]!.inputs[0]).toBe(x);
    expect(ops[0]!.inputs[1]!.shape).toEqual([]);
  });

  it('reports a custom op once, not the ops inside its forward', () => {
    const cube = defineOp({ name: 'cube', forward: (x) => x.mul(x).mul(x), backward: (g, { inputs: [x] }) => [g.mul(x!.square()).mul(3)] });
    const ops: TracedOp[] = [];
    traceOps(() => cube(tensor([2])).neg(), (op) => ops.push(op));
    expect(names(ops)).toEqual(['cube', 'neg']);
  });

  it('sees rank-0 ops that would go on the scalar tape, with grad on', () => {
    const a = tensor(2, { requiresGrad: true });
    const ops: TracedOp[] = [];
    const y = traceOps(() => a.mul(a).add(1).exp(), (op) => ops.push(op));
    expect(names(ops)).toEqual(['mul', 'add', 'exp']);
    y.backward();
    expect(a.grad!.item()).toBeCloseTo(4 * Math.exp(5), 2);
  });

  it('records nothing outside a trace, and stops at the end even when fn throws', () => {
    const ops: TracedOp[] = [];
    expect(() => traceOps(() => { tensor([1]).exp(); throw new Error('boom'); }, (op) => ops.push(op))).toThrow('boom');
    tensor([1]).exp();
    expect(names(ops)).toEqual(['exp']);
    noGrad(() => traceOps(() => tensor([1]).neg(), (op) => ops.push(op)));
    expect(names(ops)).toEqual(['exp', 'neg']);
  });

  it('rejects a nested trace and non-functions', () => {
    expect(() => traceOps(() => traceOps(() => 1, () => {}), () => {})).toThrow('traceOps: a trace is already running (traces do not nest)');
    expect(() => traceOps(1 as unknown as () => number, () => {})).toThrow('traceOps: fn and onOp must be functions');
  });
});

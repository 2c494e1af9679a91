/**
 * Module.summary: a Keras-style table of a model's layers, their output shapes and parameter counts.
 * The output shapes are found by running the model once on zeros and watching each module's forward.
 */
import { getDefaultDtype, noGrad, zeros, type Tensor } from '@nn/autograd';
import type { Module } from './module.js';
import { expectShape, formatShape } from './util.js';

/** Runs `fn` while every module of `modules` records the shape of what its forward returns. */
function recordingShapes<T>(modules: readonly Module[], shapes: Map<Module, readonly number[]>, fn: () => T): T {
  // Each module gets an own `forward` property wrapping its class's method, so that a call through
  // `call()` or straight to `forward()` (a custom model may do either) is seen. The previous own
  // property, if any, is put back afterwards.
  const saved = modules.map((module) => Object.getOwnPropertyDescriptor(module, 'forward'));
  modules.forEach((module) => {
    const forward = module.forward;
    Object.defineProperty(module, 'forward', {
      configurable: true,
      writable: true,
      enumerable: false,
      value: (x: Tensor): Tensor => {
        const y = forward.call(module, x);
        shapes.set(module, y.shape);
        return y;
      },
    });
  });
  try {
    return fn();
  } finally {
    modules.forEach((module, i) => {
      const descriptor = saved[i];
      if (descriptor === undefined) Reflect.deleteProperty(module, 'forward');
      else Object.defineProperty(module, 'forward', descriptor);
    });
  }
}

/** The table of `Module.summary` (see there). */
export function formatSummary(model: Module, inputShape: readonly number[]): string {
  const shape = [1, ...expectShape(inputShape, `${model.constructor.name}.summary: inputShape`)];
  const modules = model.namedModules();
  const shapes = new Map<Module, readonly number[]>();
  const modes = modules.map(([, module]) => module.training);
  const dtype = model.parameters()[0]?.dtype ?? getDefaultDtype();
  let output: Tensor;
  try {
    // Evaluation mode: dropout would draw random numbers and BatchNorm would update its running
    // statistics (and reject a batch of one) in training mode.
    model.eval();
    output = recordingShapes(
      modules.slice(1).map(([, module]) => module),
      shapes,
      () => noGrad(() => model.call(zeros(shape, { dtype }))),
    );
  } finally {
    modules.forEach(([, module], i) => {
      module.training = modes[i]!;
    });
  }

  const count = (tensors: readonly Tensor[]): number => tensors.reduce((total, t) => total + t.size, 0);
  const number = (n: number): string => n.toLocaleString('en-US');
  const rows: [string, string, string][] = [];
  const rootOwn = model.parameters({ recurse: false });
  // The model itself gets a row only when it holds parameters of its own (a custom module with a
  // weight beside its layers), so that the column still adds up to the total.
  if (rootOwn.length > 0) rows.push([`(own) (${model.constructor.name})`, formatShape(output.shape), number(count(rootOwn))]);
  for (const [name, module] of modules.slice(1)) {
    const recorded = shapes.get(module);
    rows.push([
      `${name} (${module.constructor.name})`,
      recorded === undefined ? '(not called)' : formatShape(recorded),
      number(count(module.parameters({ recurse: false }))),
    ]);
  }

  const all = model.parameters();
  const trainable = all.filter((p) => p.requiresGrad);
  const buffers = count(model.buffers());
  const header: [string, string, string] = ['Layer (type)', 'Output shape', 'Param #'];
  const widths = [0, 1, 2].map((c) => Math.max(...[header, ...rows].map((row) => row[c]!.length)) + 3);
  const line = (row: readonly string[]): string => row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell)).join('').trimEnd();
  const ruleLength = widths.reduce((a, b) => a + b, 0);
  return [
    `Model: ${model.constructor.name}, input shape ${formatShape(shape)} (a batch of 1)`,
    '_'.repeat(ruleLength),
    line(header),
    '='.repeat(ruleLength),
    ...rows.map(line),
    '='.repeat(ruleLength),
    `Total params: ${number(count(all))}`,
    `Trainable params: ${number(count(trainable))}`,
    `Non-trainable params: ${number(count(all) - count(trainable))}`,
    ...(buffers > 0 ? [`Buffers (not trained): ${number(buffers)}`] : []),
    '_'.repeat(ruleLength),
  ].join('\n');
}


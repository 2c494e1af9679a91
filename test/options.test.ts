/**
 * Every public function of the @nn packages that takes an options object rejects an option it does
 * not know, through the one checker (`checkOptions` of @nn/autograd), instead of ignoring it and
 * using the default. One row per function, so what is covered is visible here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as ag from '@nn/autograd';
import { gradcheckProperty, tensorArb } from '@nn/autograd/testing';
import * as layers from '@nn/layers';
import * as optim from '@nn/optim';
import * as data from '@nn/data';
import { loadMnist } from '@nn/data/node';
import * as io from '@nn/io';
import { loadSafetensors } from '@nn/io/node';
import * as train from '@nn/train';

const f64 = { dtype: 'float64' as const };
const x = (): ag.Tensor => ag.tensor([[1, 2], [3, 4]], f64);
const param = (): ag.Tensor => ag.tensor([1, 2], { ...f64, requiresGrad: true });
const sgd = (): optim.SGD => new optim.SGD([param()], { lr: 0.1 });
const net = (): layers.Dense => new layers.Dense(2, 1, { dtype: 'float64', rng: new ag.Generator(1) });
const compiled = (): train.Model => {
  const model = new train.Model(net());
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  return model;
};
const bad = { unknownOption: 1 } as never;

/**
 * Each row: the name errors use, and a call passing `options` where the function takes its options
 * (the assert forms of gradcheck report under the check they run).
 */
const rows: [string, (options: never) => unknown][] = [
  // @nn/autograd
  ['tensor', (o) => ag.tensor([1], o)],
  ['zeros', (o) => ag.zeros([1], o)],
  ['ones', (o) => ag.ones([1], o)],
  ['full', (o) => ag.full([1], 2, o)],
  ['eye', (o) => ag.eye(1, o)],
  ['arange', (o) => ag.arange(0, 2, 1, o)],
  ['rand', (o) => ag.rand([1], o)],
  ['randn', (o) => ag.randn([1], o)],
  ['backward', (o) => param().sum().backward(undefined, o)],
  ['gradients', (o) => { const p = param(); return ag.gradients(p.sum(), [p], ag.tensor(1, f64), o); }],
  ['grad', (o) => ag.grad((t: ag.Tensor) => t.sum(), o)],
  ['valueAndGrad', (o) => ag.valueAndGrad((t: ag.Tensor) => t.sum(), o)],
  ['jacobian', (o) => ag.jacobian((t: ag.Tensor) => t, o)],
  ['hessian', (o) => ag.hessian((t: ag.Tensor) => t.sum(), o)],
  ['gradcheck', (o) => ag.gradcheck((t) => t.sum(), [x()], o)],
  ['gradgradcheck', (o) => ag.gradgradcheck((t) => t.sum(), [x()], o)],
  ['gradcheck', (o) => ag.assertGradcheck((t) => t.sum(), [x()], o)],
  ['gradgradcheck', (o) => ag.assertGradgradcheck((t) => t.sum(), [x()], o)],
  ['gradcheckProperty', (o) => gradcheckProperty((t) => t.sum(), [tensorArb([2])], o)],
  // @nn/layers
  ['Dense', (o) => new layers.Dense(2, 1, o)],
  ['GELU', (o) => new layers.GELU(o)],
  ['Dropout', (o) => new layers.Dropout(0.5, o)],
  ['Flatten', (o) => new layers.Flatten(o)],
  ['LayerNorm', (o) => new layers.LayerNorm(2, o)],
  ['BatchNorm1d', (o) => new layers.BatchNorm1d(2, o)],
  ['BatchNorm2d', (o) => new layers.BatchNorm2d(2, o)],
  ['GroupNorm', (o) => new layers.GroupNorm(1, 2, o)],
  ['Softplus', (o) => new layers.Softplus(o)],
  ['ELU', (o) => new layers.ELU(o)],
  ['softplus', (o) => layers.softplus(x(), o)],
  ['elu', (o) => layers.elu(x(), o)],
  ['Embedding', (o) => new layers.Embedding(3, 2, o)],
  ['embedding', (o) => layers.embedding(ag.tensor([0, 1], { dtype: 'int32' }), x().reshape([-1, 1]), o)],
  ['RNN', (o) => new layers.RNN(2, 2, o)],
  ['LSTM', (o) => new layers.LSTM(2, 2, o)],
  ['GRU', (o) => new layers.GRU(2, 2, o)],
  ['RNNCell', (o) => new layers.RNNCell(2, 2, o)],
  ['LSTMCell', (o) => new layers.LSTMCell(2, 2, o)],
  ['GRUCell', (o) => new layers.GRUCell(2, 2, o)],
  ['scaledDotProductAttention', (o) => layers.scaledDotProductAttention(x(), x(), x(), o)],
  ['MultiheadAttention', (o) => new layers.MultiheadAttention(2, 1, o)],
  ['MultiheadAttention.run', (o) => new layers.MultiheadAttention(2, 1, f64).run(x(), x(), x(), o)],
  ['TransformerEncoderLayer', (o) => new layers.TransformerEncoderLayer(2, 1, o)],
  ['TransformerEncoderLayer.run', (o) => new layers.TransformerEncoderLayer(2, 1, { ...f64, dimFeedforward: 2 }).run(x(), o)],
  ['TransformerEncoder', (o) => new layers.TransformerEncoder(new layers.TransformerEncoderLayer(2, 1, { dimFeedforward: 2 }), 1, o)],
  ['TransformerEncoder.run', (o) => new layers.TransformerEncoder(new layers.TransformerEncoderLayer(2, 1, { ...f64, dimFeedforward: 2 }), 1).run(x(), o)],
  ['Dense.parameters', (o) => net().parameters(o)],
  ['Dense.namedParameters', (o) => net().namedParameters(o)],
  ['Dense.buffers', (o) => net().buffers(o)],
  ['Dense.namedBuffers', (o) => net().namedBuffers(o)],
  ['Dense.loadStateDict', (o) => { const n = net(); return n.loadStateDict(n.stateDict(), o); }],
  ['glorotUniform', (o) => layers.glorotUniform([2, 2], o)],
  ['glorotNormal', (o) => layers.glorotNormal([2, 2], o)],
  ['heUniform', (o) => layers.heUniform([2, 2], o)],
  ['heNormal', (o) => layers.heNormal([2, 2], o)],
  ['zeros', (o) => layers.zeros([2, 2], o)],
  ['ones', (o) => layers.ones([2, 2], o)],
  ['mseLoss', (o) => layers.mseLoss(x(), x(), o)],
  ['l1Loss', (o) => layers.l1Loss(x(), x(), o)],
  ['huberLoss', (o) => layers.huberLoss(x(), x(), o)],
  ['crossEntropy', (o) => layers.crossEntropy(x(), ag.tensor([0, 1], f64), o)],
  ['nllLoss', (o) => layers.nllLoss(x(), ag.tensor([0, 1], f64), o)],
  ['binaryCrossEntropy', (o) => layers.binaryCrossEntropy(ag.full([2], 0.5, f64), ag.ones([2], f64), o)],
  ['binaryCrossEntropyWithLogits', (o) => layers.binaryCrossEntropyWithLogits(x(), x(), o)],
  // @nn/optim
  ['SGD', (o) => new optim.SGD([param()], o)],
  ['SGD: parameter group 0', (o) => new optim.SGD([{ params: [param()], ...(o as object) }], { lr: 0.1 })],
  ['Adam', (o) => new optim.Adam([param()], o)],
  ['AdamW', (o) => new optim.AdamW([param()], o)],
  ['RMSprop', (o) => new optim.RMSprop([param()], o)],
  ['Adagrad', (o) => new optim.Adagrad([param()], o)],
  ['StepLR', (o) => new optim.StepLR(sgd(), o)],
  ['MultiStepLR', (o) => new optim.MultiStepLR(sgd(), o)],
  ['ExponentialLR', (o) => new optim.ExponentialLR(sgd(), o)],
  ['CosineAnnealingLR', (o) => new optim.CosineAnnealingLR(sgd(), o)],
  ['LinearLR', (o) => new optim.LinearLR(sgd(), o)],
  ['ReduceLROnPlateau', (o) => new optim.ReduceLROnPlateau(sgd(), o)],
  ['clipGradNorm', (o) => optim.clipGradNorm([param()], 1, 2, o)],
  // @nn/data
  ['readCsv', (o) => data.readCsv('1,2\n', o)],
  ['trainTestSplit', (o) => data.trainTestSplit(x(), x(), o)],
  ['DataLoader', (o) => new data.DataLoader(new data.TensorDataset(x()), o)],
  ['loadDigits', (o) => data.loadDigits(o)],
  ['loadIris', (o) => data.loadIris(o)],
  ['loadBreastCancer', (o) => data.loadBreastCancer(o)],
  ['loadMnist', (o) => loadMnist('.', o)],
  // @nn/train
  ['Model.compile', (o) => new train.Model(net()).compile(o)],
  ['Model.compile: loss', (o) => new train.Model(net()).compile({ optimizer: 'sgd', loss: { name: 'mse', ...(o as object) } as never })],
  ['Model.fit', (o) => compiled().fit(x(), x(), o)],
  ['Model.evaluate', (o) => compiled().evaluate(x(), x(), o)],
  ['Model.predict', (o) => compiled().predict(x(), o)],
  ['makeLoss', (o) => train.makeLoss({ name: 'mse', ...(o as object) } as never)],
  ['EarlyStopping', (o) => new train.EarlyStopping(o)],
  ['lineChart', (o) => train.lineChart([], o)],
  ['plotHistory', (o) => train.plotHistory(new train.History(), o)],
  // @nn/io
  ['decodeSafetensors', (o) => io.decodeSafetensors(io.encodeSafetensors({ w: ag.tensor([1]) }), o)],
  ['loadSafetensors', (o) => loadSafetensors('.', o)],
];

/** Calls `f`, awaiting it when it returns a promise (fit is async), and returns what it threw. */
async function thrown(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Rows whose call spreads the options into a larger object: a string there is not an options argument. */
const spread = new Set(['SGD: parameter group 0', 'Model.compile: loss', 'makeLoss']);

describe.each(rows)('%s', (name, call) => {
  test('rejects an unknown option, naming the function and the key', async () => {
    const error = await thrown(() => call(bad));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`^${escape(name)}: unknown option 'unknownOption' \\(known options: `));
  });
});

describe.each(rows.filter(([name]) => !spread.has(name)))('%s', (name, call) => {
  test('rejects options that are not an object', async () => {
    const error = await thrown(() => call('fast' as never));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`${name}: options must be an object, got the string "fast"`);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('a misspelt option is named with the option meant', () => {
  expect(() => ag.tensor([1], { requiresgrad: true } as never)).toThrow("tensor: unknown option 'requiresgrad' (did you mean 'requiresGrad'?");
  expect(() => data.readCsv('1,2\n', { delimeter: ';' } as never)).toThrow("readCsv: unknown option 'delimeter' (did you mean 'delimiter'?");
  expect(() => param().sum().backward(undefined, { retainGrap: true } as never)).toThrow("backward: unknown option 'retainGrap' (did you mean 'retainGraph'?");
  expect(() => new optim.SGD([param()], { lr: 0.1, momentm: 0.9 } as never)).toThrow("SGD: unknown option 'momentm' (did you mean 'momentum'?");
});

test('no package keeps a checker of its own: "unknown option" is written only by checkOptions', () => {
  const packages = fileURLToPath(new URL('../packages', import.meta.url));
  const writers: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts') && /unknown option/.test(readFileSync(path, 'utf8').replace(/^\s*(\*|\/\/).*$/gm, ''))) {
        writers.push(path.slice(packages.length + 1));
      }
    }
  };
  for (const pkg of readdirSync(packages)) walk(join(packages, pkg, 'src'));
  expect(writers).toEqual(['autograd/src/options.ts']);
});

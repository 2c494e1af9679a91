/**
 * What a browser bundle of @nn/autograd holds, built with esbuild from the built package (as an
 * application would, `"sideEffects"` honoured). The Tensor methods make every op family that has
 * methods reachable from any tensor, by design (PyTorch's methods: any tensor can call any of
 * them); what can be left out is left out: the functions without a method form (concat, stack,
 * the transforms, gradcheck, defineOp, the random generator), the op docs, the test specs and the
 * registry, the Node-only and testing entries. docs/contributing.md says how a new op keeps it so.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The budget of @nn/autograd in an application, minified and gzipped. The browser issue's goal is
 * 30 KB; the op surface of issue 13 (every op family with methods is in every bundle) took the
 * application of `tensor` and `add` to 33.7 KB, and keeping the test specs out of the records brought
 * it back to 32.1 KB (32,838 bytes; 32,984 with the tracking of fresh gradient storage). The
 * element-wise kernels the convolutions and LSTMs needed, and the summed product of the weight
 * gradients, took it to 33,943 bytes. This guards that figure, with 873 bytes of room, until the
 * bundle is cut further (see docs/contributing.md, "Bundles").
 */
const BUDGET_BYTES = 34 * 1024;

/**
 * The budget of a Keras-style training program (a dataset from @nn/data, a Sequential of Dense and
 * ReLU from @nn/layers, Adam from @nn/optim, Model's compile, fit and evaluate from @nn/train),
 * minified and gzipped, not counting the datasets it imports: their size is the data's, not the code's.
 */
const PROGRAM_BUDGET_BYTES = 60 * 1024;

/** The modules of @nn/data that hold a bundled dataset (generated, one long base64 string each). */
const DATASET_MODULE = /packages\/data\/dist\/datasets\/[\w-]+-data\.js$/;

/**
 * Empties the payload of the dataset modules (each base64 string of 1000 characters or more becomes
 * ''), keeping their exports, so that the bundle without it measures the code alone.
 */
const withoutDatasetPayload: Plugin = {
  name: 'without-dataset-payload',
  setup(build) {
    build.onLoad({ filter: DATASET_MODULE }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/'[A-Za-z0-9+/=]{1000,}'/g, "''"),
      loader: 'js',
    }));
  },
};

interface Bundle {
  /** The package's modules in the bundle, as paths under its dist/ (e.g. 'ops/unary.js'). */
  modules: string[];
  /** The bytes each input holds in the bundle (minified, before gzip), from esbuild's metafile. */
  bytesInOutput: Map<string, number>;
  /** Every input, the package's and others' (node_modules/...). */
  inputs: string[];
  /** The bundle's text. */
  text: string;
  gzipped: number;
}

/** Bundles `code` (an ES module importing @nn/* packages) for the browser, minified. */
async function bundle(code: string, plugins: Plugin[] = []): Promise<Bundle> {
  const result = await build({
    stdin: { contents: code, resolveDir: root, sourcefile: 'app.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins,
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  const inputs = Object.keys(output.inputs).filter((input) => output.inputs[input]!.bytesInOutput > 0);
  const modules = inputs.flatMap((input) => {
    const match = /packages\/autograd\/dist\/(.+)$/.exec(input);
    return match === null ? [] : [match[1]!];
  });
  const bytesInOutput = new Map(inputs.map((input) => [input, output.inputs[input]!.bytesInOutput]));
  const file = result.outputFiles[0]!;
  return { modules, bytesInOutput, inputs, text: file.text, gzipped: gzipSync(file.contents, { level: 9 }).length };
}

const familiesWithMethods = ['unary', 'binary', 'compare', 'clamp', 'reduce', 'view', 'matmul', 'softmax'].map((f) => `ops/${f}.js`);

describe('a browser bundle of @nn/autograd', () => {
  test('an application using tensor and add holds the op families with methods, and nothing it cannot reach', async () => {
    const app = await bundle("import { tensor, add } from '@nn/autograd';\nconsole.log(add(tensor([1, 2]), tensor([3, 4])).toArray());\n");
    // Reachable by design: a tensor can call any of their methods.
    for (const family of familiesWithMethods) expect(app.modules, family).toContain(family);
    // Not reachable, so left out: functions without methods, the op docs, the tools of the testing side.
    // Nor the test specs' sampling code: the families with methods keep their specs in tables apart.
    for (const unused of ['ops/join.js', 'ops/registry.js', 'ops/composites.js', 'functional.js', 'check/gradcheck.js', 'custom-op.js', 'random.js', 'check/sampling.js']) {
      expect(app.modules, unused).not.toContain(unused);
    }
    expect(app.gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  test('the whole main entry bundles for the browser without the thread pools (Node or web), the testing entry, fast-check, or the op docs', async () => {
    const all = await bundle("import * as nn from '@nn/autograd';\nconsole.log(nn);\n");
    const nodeOnly = all.modules.filter((m) => /^(node|testing|web)\.js$|kernels\/wasm\/(node-api|thread-pool|thread-worker|thread-protocol|thread-setting|web-api|web-thread-pool|web-thread-worker)\.js$/.test(m));
    expect(nodeOnly).toEqual([]);
    expect(all.inputs.filter((input) => input.includes('node_modules/'))).toEqual([]);
    expect(all.modules).not.toContain('ops/registry.js');
    // The op docs (a table beside each family's records, read only by the docs script) stay out: no PyTorch name is in the text.
    expect(all.text.match(/torch\.\w+/g) ?? []).toEqual([]);
    expect(all.modules).toContain('check/gradcheck.js');
  });
});

describe('a browser bundle of a Keras-style training program', () => {
  const program = [
    "import { loadDigits } from '@nn/data';",
    "import { Dense, ReLU, Sequential } from '@nn/layers';",
    "import { Adam } from '@nn/optim';",
    "import { Model } from '@nn/train';",
    'const { x, y } = loadDigits();',
    'const net = new Sequential([new Dense(64, 32), new ReLU(), new Dense(32, 10)]);',
    'const model = new Model(net);',
    "model.compile({ optimizer: new Adam(net.parameters()), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });",
    'await model.fit(x, y, { epochs: 1, batchSize: 32 });',
    'console.log(model.evaluate(x, y));',
  ].join('\n');

  test('holds at most 60 KB gzipped besides the datasets it imports', async () => {
    const whole = await bundle(program);
    const datasets = [...whole.bytesInOutput].filter(([input]) => DATASET_MODULE.test(input));
    // The metafile names the digits' module, and it is most of the bundle's bytes.
    expect(datasets.map(([input]) => input.replace(/.*datasets\//, ''))).toEqual(['digits-data.js']);
    const datasetBytes = datasets.reduce((sum, [, bytes]) => sum + bytes, 0);
    expect(datasetBytes).toBeGreaterThan(100_000);

    const code = await bundle(program, [withoutDatasetPayload]);
    const left = [...code.bytesInOutput].filter(([input]) => DATASET_MODULE.test(input)).reduce((sum, [, bytes]) => sum + bytes, 0);
    // Only the payload went: the module's other exports stay, and the rest of the bundle is the same.
    expect(left).toBeLessThan(200);
    expect(whole.text.length - code.text.length).toBe(datasetBytes - left);
    const datasetShare = whole.gzipped - code.gzipped;
    expect(datasetShare).toBeGreaterThan(0);
    expect(whole.gzipped - datasetShare).toBeLessThanOrEqual(PROGRAM_BUDGET_BYTES);
    // Every package the program imports is in it, each from its built output.
    for (const name of ['autograd', 'data', 'layers', 'optim', 'train']) {
      expect(whole.inputs.some((input) => input.includes(`packages/${name}/dist/`)), name).toBe(true);
    }
    expect(whole.inputs.filter((input) => input.includes('node_modules/'))).toEqual([]);
  });
});

/**
 * Each package installs and imports on its own: packed with `npm pack`, installed into an empty
 * project together with only the @nn packages it depends on, offline (no registry: none of them has
 * a dependency outside @nn), and used there. This is how docs/getting-started.md says to use the
 * packages from a clone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'nn-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 120_000 });

const names = ['autograd', 'layers', 'optim', 'data', 'train', 'io', 'linalg'] as const;
type Name = (typeof names)[number];
interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  exports: Record<string, unknown>;
  sideEffects: unknown;
  engines: unknown;
}
const manifests = new Map(names.map((name) => [name, JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as Manifest]));
const tarballs = new Map<Name, string>();

beforeAll(() => {
  const packs = join(scratch, 'tarballs');
  mkdirSync(packs);
  for (const name of names) {
    const file = npm(['pack', '--pack-destination', packs], join(root, 'packages', name)).trim().split('\n').at(-1)!;
    tarballs.set(name, join(packs, file));
  }
}, 120_000);

/** `name` and every @nn package it depends on, directly or through another. */
function withDependencies(name: Name): Name[] {
  const deps = Object.keys(manifests.get(name)!.dependencies ?? {}).map((dep) => dep.replace(/^@nn\//, '') as Name);
  return [...new Set([...deps.flatMap(withDependencies), name])];
}

/**
 * A fresh project with `name` installed from its tarball (and its @nn dependencies' tarballs only),
 * offline; `files` are written into it and each is run with node, giving its trimmed output.
 */
function installAlone(name: Name, files: Record<string, string>): Record<string, string> {
  const project = join(scratch, `project-${name}`);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }));
  npm(['install', '--offline', ...withDependencies(name).map((n) => tarballs.get(n)!)], project);
  // Nothing else came along: only the packages it needs are there.
  expect(readdirSync(join(project, 'node_modules/@nn')).sort()).toEqual([...withDependencies(name)].sort());
  expect(existsSync(join(project, 'node_modules/fast-check'))).toBe(false);
  const outputs: Record<string, string> = {};
  for (const [file, code] of Object.entries(files)) {
    writeFileSync(join(project, file), code);
    outputs[file] = execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 60_000 }).trim();
  }
  return outputs;
}

describe('the package manifests', () => {
  test('@nn/autograd has no runtime dependencies; fast-check is an optional peer for its testing entry', () => {
    const manifest = manifests.get('autograd')!;
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(['fast-check']);
    expect(manifest.peerDependenciesMeta).toEqual({ 'fast-check': { optional: true } });
    expect(Object.keys(manifest.exports)).toEqual(['.', './testing', './node', './wasm', './web', './web-worker']);
    // Only the Node entry (it reads NN_NUM_THREADS) and the browser's thread-worker script (it
    // starts serving jobs; a bundler must keep it) do something on import.
    expect(manifest.sideEffects).toEqual(['./dist/node.js', './dist/kernels/wasm/web-thread-worker.js']);
  });

  test('runtime dependencies are only @nn packages; every package is side-effect free (but for Node entries) and declares engines', () => {
    manifests.forEach((m) => {
      Object.keys(m.dependencies ?? {}).forEach((dep) => expect(dep, m.name).toMatch(/^@nn\//));
      if (m.name !== '@nn/autograd') expect(m.sideEffects, m.name).toBe(false);
      expect(m.engines, m.name).toEqual({ node: '>=20' });
    });
  });
});

describe('each package installed on its own, from npm pack, offline', () => {
  test('@nn/autograd (without fast-check) computes a gradient, and its Node entry runs a product on two threads', () => {
    const out = installAlone('autograd', {
      'main.js':
        "import { tensor } from '@nn/autograd';\n" +
        'const w = tensor([1, 2], { requiresGrad: true });\n' +
        'w.mul(tensor([3, 4])).sum().sub(6).square().backward();\n' +
        'console.log(JSON.stringify(w.grad.toArray()));\n',
      // The Node entry finds its worker script inside the installed package.
      'threads.js':
        "import { matmul, ones, setBackend } from '@nn/autograd';\n" +
        "import { getNumThreads, setNumThreads } from '@nn/autograd/node';\n" +
        "setBackend('wasm');\n" +
        'await setNumThreads(2);\n' +
        'const product = matmul(ones([512, 512]), ones([512, 512]));\n' +
        'console.log(getNumThreads(), product.sum().item());\n' +
        'await setNumThreads(1);\n',
    });
    expect(out['main.js']).toBe('[30,40]');
    expect(out['threads.js']).toBe(`2 ${512 ** 3}`);
  });

  test('@nn/layers (with @nn/autograd) runs a Dense layer', () => {
    const out = installAlone('layers', {
      'main.js':
        "import { tensor } from '@nn/autograd';\n" +
        "import { Dense, ones, zeros } from '@nn/layers';\n" +
        'const dense = new Dense(2, 3, { kernelInitializer: ones, biasInitializer: zeros });\n' +
        'console.log(JSON.stringify(dense.call(tensor([[1, 2]])).toArray()));\n',
    });
    expect(out['main.js']).toBe('[[3,3,3]]');
  });

  test('@nn/optim (with @nn/autograd) takes an SGD step', () => {
    const out = installAlone('optim', {
      'main.js':
        "import { tensor } from '@nn/autograd';\n" +
        "import { SGD } from '@nn/optim';\n" +
        "const w = tensor([1], { dtype: 'float64', requiresGrad: true });\n" +
        'const opt = new SGD([w], { lr: 0.1 });\n' +
        'w.square().sum().backward();\n' +
        'opt.step();\n' +
        'console.log(w.item());\n',
    });
    expect(out['main.js']).toBe('0.8');
  });

  test('@nn/data (with @nn/autograd) loads a bundled dataset, and its Node entry imports', () => {
    const out = installAlone('data', {
      'main.js':
        "import { loadIris, standardize } from '@nn/data';\n" +
        "import { loadMnist } from '@nn/data/node';\n" +
        'const { x } = loadIris();\n' +
        'console.log(JSON.stringify(x.shape), JSON.stringify(standardize(x).x.shape), typeof loadMnist);\n',
    });
    expect(out['main.js']).toBe('[150,4] [150,4] function');
  });

  test('@nn/train (with the five others) trains a model', () => {
    const out = installAlone('train', {
      'main.js': [
        "import { manualSeed } from '@nn/autograd';",
        "import { loadIris, trainTestSplit, standardize } from '@nn/data';",
        "import { Dense, ReLU, Sequential } from '@nn/layers';",
        "import { Model } from '@nn/train';",
        'manualSeed(0);',
        'const { x, y } = loadIris();',
        'const { xTrain, xTest, yTrain, yTest } = trainTestSplit(x, y, { testSize: 0.2, stratify: true });',
        'const scaler = standardize(xTrain);',
        'const model = new Model(new Sequential([new Dense(4, 16), new ReLU(), new Dense(16, 3)]));',
        "model.compile({ optimizer: 'adam', loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true }, metrics: ['accuracy'] });",
        'await model.fit(scaler.x, yTrain, { epochs: 60, batchSize: 16, verbose: 0 });',
        'console.log(model.evaluate(scaler.apply(xTest), yTest).accuracy);',
      ].join('\n'),
    });
    expect(Number(out['main.js'])).toBeGreaterThan(0.85);
  });

  test('@nn/io (with @nn/autograd and @nn/layers) writes and reads safetensors, in memory and through its Node entry', () => {
    const out = installAlone('io', {
      'main.js': [
        "import { tensor } from '@nn/autograd';",
        "import { Dense } from '@nn/layers';",
        "import { decodeSafetensors, encodeSafetensors } from '@nn/io';",
        "import { loadSafetensors, saveSafetensors } from '@nn/io/node';",
        "const dense = new Dense(2, 1);",
        "const bytes = encodeSafetensors(dense.stateDict(), { by: 'nn' });",
        "const { tensors, metadata } = decodeSafetensors(bytes);",
        "dense.loadStateDict(tensors);",
        "await saveSafetensors('w.safetensors', { w: tensor([1.5, -2]) });",
        "const loaded = await loadSafetensors('w.safetensors');",
        // The file's order: by dtype, then by name.
        "console.log(Object.keys(tensors).join(','), metadata.by, JSON.stringify(loaded.tensors.w.toArray()));",
      ].join('\n'),
    });
    expect(out['main.js']).toBe('bias,weight nn [1.5,-2]');
  });

  test('@nn/linalg (with @nn/autograd only) factors, solves and differentiates', () => {
    const out = installAlone('linalg', {
      'main.js': [
        "import { tensor } from '@nn/autograd';",
        "import { cholesky, solve } from '@nn/linalg';",
        "const a = tensor([[4, 2], [2, 5]], { dtype: 'float64', requiresGrad: true });",
        "const l = cholesky(a);",
        "solve(a, tensor([2, 1], { dtype: 'float64' })).sum().backward();",
        "console.log(JSON.stringify(l.toArray()), a.grad.shape.join('x'));",
      ].join('\n'),
    });
    expect(out['main.js']).toBe('[[2,0],[1,2]] 2x2');
  });

  test('every package is covered above, with the @nn packages it needs', () => {
    expect(names.map((n) => [n, withDependencies(n).sort()])).toEqual([
      ['autograd', ['autograd']],
      ['layers', ['autograd', 'layers']],
      ['optim', ['autograd', 'optim']],
      ['data', ['autograd', 'data']],
      ['train', ['autograd', 'data', 'io', 'layers', 'optim', 'train']],
      ['io', ['autograd', 'io', 'layers']],
      ['linalg', ['autograd', 'linalg']],
    ]);
  });
});

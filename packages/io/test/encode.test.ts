/**
 * encodeSafetensors against the specification: a strict reader written from the format alone
 * (spec-reader.ts) reads our bytes and checks the reference writer's conventions (header padded with
 * spaces to a multiple of 8, tensors sorted by dtype then name, each aligned, `__metadata__` first);
 * the round trip through decodeSafetensors is exact for random tensors.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { tensor, type Tensor } from '@nn/autograd';
import { decodeSafetensors, encodeSafetensors } from '@nn/io';
import { checkWriterConventions, readSpec, type SpecFile } from './spec-reader.js';
import { tensorsArb } from './arbitraries.js';
import { fixtureBytes } from './fixtures.js';

function specRead(bytes: Uint8Array): SpecFile {
  const file = readSpec(bytes);
  if (typeof file === 'string') throw new Error(`the strict reader rejects the file: ${file}`);
  return file;
}

const metadataArb = fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), { nil: undefined });

/** Bit-exact: the same values (NaN is NaN, -0 is -0), shape and dtype. */
function expectSame(actual: Tensor, expected: Tensor, where: string): void {
  expect(actual.shape, where).toEqual(expected.shape);
  expect(actual.dtype, where).toBe(expected.dtype);
  const a = actual.data();
  const e = expected.data();
  for (let i = 0; i < e.length; i++) expect(Object.is(a[i], e[i]), `${where}[${i}]: ${a[i]} vs ${e[i]}`).toBe(true);
}

describe('the bytes, read by a strict reader of the specification', () => {
  test("a PyTorch-written file follows the writer's conventions (the reader checks what it should)", () => {
    expect(checkWriterConventions(specRead(fixtureBytes('dtypes.safetensors')))).toEqual([]);
    expect(checkWriterConventions(specRead(fixtureBytes('model.safetensors')))).toEqual([]);
  });

  test('a small file, byte for byte: length, compact header, padding, F64 before F32, names sorted', () => {
    const bytes = encodeSafetensors({ b: tensor([1, 2], { dtype: 'float32' }), a: tensor([3], { dtype: 'float32' }), z: tensor([4], { dtype: 'float64' }) }, { k: 'v' });
    const json = '{"__metadata__":{"k":"v"},"z":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(BigInt(padded.length));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + padded.length))).toBe(padded);
    expect(bytes.length).toBe(8 + padded.length + 20);
    expect(specRead(bytes).tensors.b!.values).toEqual([1, 2]);
  });

  test('random tensors: the strict reader finds the conventions kept and the values exact', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const file = specRead(encodeSafetensors(tensors, metadata));
        expect(checkWriterConventions(file)).toEqual([]);
        expect(file.metadata).toEqual(metadata);
        expect(file.names.sort()).toEqual(Object.keys(tensors).sort());
        for (const [name, t] of Object.entries(tensors)) {
          expect(file.tensors[name]!.dtype).toBe({ float32: 'F32', float64: 'F64', int32: 'I32' }[t.dtype]);
          expect(file.tensors[name]!.shape).toEqual(t.shape);
          expect(file.tensors[name]!.values).toEqual(Array.from(t.data()));
        }
      }),
    );
  });
});

describe('round trip', () => {
  test('decode(encode(tensors)) gives the same tensors and metadata, bit for bit', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata));
        expect(decoded.metadata).toEqual(metadata ?? {});
        expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(tensors).sort());
        for (const [name, t] of Object.entries(tensors)) expectSame(decoded.tensors[name]!, t, name);
      }),
    );
  });
});

describe('bad input', () => {
  test('errors name the function, the tensor and the value', () => {
    const t = tensor([1]);
    expect(() => encodeSafetensors(null as never)).toThrow('encodeSafetensors: expected an object mapping names to tensors, got null');
    expect(() => encodeSafetensors({ w: [1, 2] as never })).toThrow("encodeSafetensors: tensor 'w': expected a Tensor, got the array [1,2]");
    expect(() => encodeSafetensors({ __metadata__: t })).toThrow("encodeSafetensors: '__metadata__' is reserved for the metadata and cannot name a tensor");
    expect(() => encodeSafetensors({ w: t }, { epoch: 3 as never })).toThrow("encodeSafetensors: metadata 'epoch' must be a string, got 3");
    expect(() => encodeSafetensors({ w: t }, [] as never)).toThrow('encodeSafetensors: metadata must be an object of strings, got the array []');
  });
});

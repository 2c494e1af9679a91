/**
 * decodeSafetensors on files written by Python's safetensors (test/fixtures/safetensors.py): every
 * dtype read exactly (F16 subnormals, infinities, NaN, BF16, I64 at ±(2^53 - 1)), the metadata, the
 * dtype option, and tensors that are views of the file's bytes where alignment allows.
 */
import { describe, expect, test } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '@nn/io';
import { loadSafetensors, saveSafetensors } from '@nn/io/node';
import { tensor, type Tensor } from '@nn/autograd';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureBytes, fixtureJson, fixturePath, toNumber, type Encoded } from './fixtures.js';

interface DtypesFixture {
  metadata: Record<string, string>;
  tensors: Record<string, Encoded & { dtype: string }>;
}
const expected = fixtureJson<DtypesFixture>('dtypes.json');
const FLOAT32_FROM = ['F16', 'BF16', 'F32'];

const INTEGER = ['BOOL', 'U8', 'I8', 'I16', 'I32', 'I64'];

/** Object.is element by element: -0 stays -0, NaN is NaN. */
function expectExact(name: string, actual: ArrayLike<number>, want: Encoded): void {
  Array.from(actual).forEach((v, i) => expect(Object.is(v, toNumber(want.data[i]!)), `${name}[${i}]: ${v} vs ${want.data[i]}`).toBe(true));
}

describe('files written by PyTorch', () => {
  test('every dtype decodes to the exact values, in the default dtype for its kind (integers to int32)', () => {
    // dtypes.safetensors's I64 holds ±(2^53 - 1), beyond int32: the other tensors by default, the I64 as float64 below.
    expect(() => decodeSafetensors(fixtureBytes('dtypes.safetensors'))).toThrow(
      `decodeSafetensors: tensor 'i64': I64 element 0 is ${2 ** 53 - 1}, outside int32's range [-2^31, 2^31 - 1] (decode with dtype 'float64' for up to ±(2^53 - 1))`,
    );
    const file = fixtureBytes('dtypes.safetensors');
    const { metadata } = decodeSafetensors(fixtureBytes('dtypes.safetensors'), { dtype: 'float64' });
    expect(metadata).toEqual(expected.metadata);
    for (const [name, want] of Object.entries(expected.tensors)) {
      if (name === 'i64') continue;
      const t = decodeOne(file, name);
      expect(t.shape, name).toEqual(want.shape);
      expect(t.dtype, name).toBe(FLOAT32_FROM.includes(want.dtype) ? 'float32' : INTEGER.includes(want.dtype) ? 'int32' : 'float64');
      expectExact(name, t.data(), want);
    }
  });

  test('an I64 within int32 range (PyTorch labels) decodes to int32 exactly; 2^31 is an error, exact as float64', () => {
    const { tensors } = decodeSafetensors(fixtureBytes('i64-int32.safetensors'));
    expect(tensors.labels!.dtype).toBe('int32');
    expect(Array.from(tensors.labels!.data())).toEqual([-(2 ** 31), 2 ** 31 - 1, 0, -1, 7]);
    expect(() => decodeSafetensors(fixtureBytes('i64-beyond-int32.safetensors'))).toThrow(
      `decodeSafetensors: tensor 'big': I64 element 1 is ${2 ** 31}, outside int32's range [-2^31, 2^31 - 1] (decode with dtype 'float64' for up to ±(2^53 - 1))`,
    );
    expect(Array.from(decodeSafetensors(fixtureBytes('i64-beyond-int32.safetensors'), { dtype: 'float64' }).tensors.big!.data())).toEqual([1, 2 ** 31]);
  });

  test('opts.dtype sets every tensor dtype; widening F16 and BF16 to float64 is exact too', () => {
    const { tensors } = decodeSafetensors(fixtureBytes('dtypes.safetensors'), { dtype: 'float64' });
    for (const name of ['f16', 'bf16', 'f32', 'i64', 'i32', 'u8', 'bool']) {
      expect(tensors[name]!.dtype).toBe('float64');
      expect(Array.from(tensors[name]!.data())).toEqual(expected.tensors[name]!.data.map(toNumber));
    }
    const narrowed = decodeSafetensors(fixtureBytes('dtypes.safetensors'), { dtype: 'float32' }).tensors;
    expect(narrowed.f64!.dtype).toBe('float32');
    expect(narrowed.f64!.data()[0]).toBe(Math.fround(1 / 3));
    expect(() => decodeSafetensors(fixtureBytes('dtypes.safetensors'), { dtype: 'int8' as never })).toThrow(
      `decodeSafetensors: dtype must be 'float32', 'float64' or 'int32', got the string "int8"`,
    );
  });

  test("dtype 'int32' takes the integer dtypes and refuses a float tensor rather than truncating it", () => {
    const ints = decodeSafetensors(fixtureBytes('i64-int32.safetensors'), { dtype: 'int32' }).tensors;
    expect(ints.labels!.dtype).toBe('int32');
    expect(() => decodeSafetensors(fixtureBytes('dtypes.safetensors'), { dtype: 'int32' })).toThrow(
      "decodeSafetensors: tensor 'f64' is F64; dtype 'int32' decodes only the integer dtypes (BOOL, U8, I8, I16, I32, I64)",
    );
  });

  test('an I64 beyond ±(2^53 - 1) is an error naming the tensor, not a rounding', () => {
    expect(() => decodeSafetensors(fixtureBytes('i64-beyond-2-53.safetensors'), { dtype: 'float64' })).toThrow(
      `decodeSafetensors: tensor 'big': I64 element 1 is ${2n ** 53n + 1n}, beyond ±(2^53 - 1), which float64 holds exactly`,
    );
  });
});

/**
 * The tensor `name` of the file `bytes`, decoded in its default dtype from a file that holds only it:
 * its header entry and its data bytes, as PyTorch wrote them, under a header of their own.
 */
function decodeOne(bytes: Uint8Array, name: string): Tensor {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const { dtype, shape, data_offsets: [begin, end] } = header[name]!;
  const json = new TextEncoder().encode(JSON.stringify({ [name]: { dtype, shape, data_offsets: [0, end - begin] } }).padEnd(Math.ceil((JSON.stringify({ [name]: { dtype, shape, data_offsets: [0, end - begin] } }).length) / 8) * 8, ' '));
  const file = new Uint8Array(8 + json.length + end - begin);
  new DataView(file.buffer).setUint32(0, json.length, true);
  file.set(json, 8);
  file.set(bytes.subarray(8 + length + begin, 8 + length + end), 8 + json.length);
  return decodeSafetensors(file).tensors[name]!;
}

describe('reading straight from the bytes', () => {
  test('an aligned tensor that keeps its dtype is a view of the bytes; another dtype is a copy', () => {
    const bytes = encodeSafetensors({ a: tensor([1, 2, 3], { dtype: 'float32' }), b: tensor([4, 5], { dtype: 'float64' }) });
    const { tensors } = decodeSafetensors(bytes);
    expect(tensors.a!.storage.buffer).toBe(bytes.buffer);
    expect(tensors.b!.storage.buffer).toBe(bytes.buffer);
    const converted = decodeSafetensors(bytes, { dtype: 'float64' }).tensors;
    expect(converted.a!.storage.buffer).not.toBe(bytes.buffer);
    expect(Array.from(converted.a!.data())).toEqual([1, 2, 3]);
  });

  test('a file at an odd offset of its buffer decodes the same, through copies', () => {
    const bytes = encodeSafetensors({ a: tensor([0.1, -2, NaN], { dtype: 'float32' }), b: tensor([1 / 3, -0], { dtype: 'float64' }) });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const { tensors } = decodeSafetensors(shifted.subarray(1));
    expect(tensors.a!.storage.buffer).not.toBe(shifted.buffer);
    expect(Array.from(tensors.a!.data())).toEqual(Array.from(new Float32Array([0.1, -2, NaN])));
    expect(Object.is(tensors.b!.data()[1], -0)).toBe(true);
    expect(tensors.b!.data()[0]).toBe(1 / 3);
  });
});

describe('@nn/io/node', () => {
  test('saveSafetensors then loadSafetensors; loadSafetensors reads a PyTorch file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-io-'));
    try {
      const path = join(dir, 'w.safetensors');
      await saveSafetensors(path, { w: tensor([[1, 2], [3, 4]], { dtype: 'float64' }) }, { step: '3' });
      const { tensors, metadata } = await loadSafetensors(path);
      expect(tensors.w!.toArray()).toEqual([[1, 2], [3, 4]]);
      expect(metadata).toEqual({ step: '3' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const fromPython = await loadSafetensors(fixturePath('dtypes.safetensors'), { dtype: 'float64' });
    expect(Array.from(fromPython.tensors.u8!.data())).toEqual([0, 255, 128]);
    const labels = (await loadSafetensors(fixturePath('i64-int32.safetensors'))).tensors.labels!;
    expect(labels.dtype).toBe('int32');
  });

  test('a file that is not safetensors is an error naming the file, then what is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-io-'));
    try {
      const path = join(dir, 'short.safetensors');
      writeFileSync(path, new Uint8Array([1, 2, 3]));
      await expect(loadSafetensors(path)).rejects.toThrow(new RegExp(`^loadSafetensors: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: decodeSafetensors: `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Hostile and broken files: each class is rejected, before any tensor is made, with an Error that
 * names what is wrong (and the tensor); a fuzz test mutates valid files (bytes, truncation, the header
 * length, header fields) and finds either the tensors an independent reader of the specification
 * sees (the originals when nothing that matters changed) or such an Error: never another exception
 * type, a hang, or an allocation beyond the file's size times the widening of the element type.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { decodeSafetensors, encodeSafetensors } from '@nn/io';
import { readSpec } from './spec-reader.js';
import { tensorsArb } from './arbitraries.js';

const encoder = new TextEncoder();

/** A file from header text and data bytes; the header length written is the text's unless given. */
function rawFile(header: string | object | Uint8Array, data: ArrayLike<number> = [], length?: bigint): Uint8Array {
  const text = header instanceof Uint8Array ? header : encoder.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(Array.from(data), 8 + text.length);
  return out;
}
const f32 = (shape: number[], offsets: number[]) => ({ dtype: 'F32', shape, data_offsets: offsets });
const zeros = (n: number): number[] => new Array<number>(n).fill(0);

const cases: [string, Uint8Array, string][] = [
  ['a file shorter than the length field', new Uint8Array(3), 'the file has 3 bytes, fewer than the 8 of the header length'],
  ['a header length past the end', rawFile('{}', [], 1000n), 'the header length 1000 runs past the end of the file (10 bytes)'],
  ['an absurd header length', rawFile('{}', [], 2n ** 40n), `the header length ${2 ** 40} is over the limit of 100000000 bytes`],
  ['a header length of 2^64 - 1', rawFile('{}', [], 2n ** 64n - 1n), `the header length ${2 ** 64} is over the limit of 100000000 bytes`],
  ['a header that is not UTF-8', rawFile(new Uint8Array([0x7b, 0xff, 0x7d])), 'the header is not valid UTF-8'],
  ['a header that is not JSON', rawFile('{"w": '), 'the header is not valid JSON ('],
  ['a header that is not an object', rawFile('[1, 2]'), `the header does not start with '{' (a JSON object), it starts with the string "[1, 2]"`],
  ['duplicate tensor names', rawFile(`{"w":${JSON.stringify(f32([1], [0, 4]))},"w":${JSON.stringify(f32([1], [0, 4]))}}`, zeros(4)), "the header has the key 'w' twice"],
  ['a duplicate field in a tensor', rawFile('{"w":{"dtype":"F64","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', zeros(4)), "the header has the key 'dtype' twice in 'w'"],
  ['an unknown dtype', rawFile({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, zeros(1)), `tensor 'w': unknown or unsupported dtype the string "F8_E4M3" (read: BOOL, U8, I8, I16, F16, BF16, I32, F32, F64, I64)`],
  ['a tensor that is not an object', rawFile({ w: 5 }), "tensor 'w': expected an object of dtype, shape and data_offsets, got 5"],
  ['an unknown field', rawFile({ w: { ...f32([1], [0, 4]), strides: [1] } }, zeros(4)), "tensor 'w': unknown field 'strides' (expected dtype, shape and data_offsets)"],
  ['offsets past the end of the data', rawFile({ w: f32([25], [0, 100]) }, zeros(8)), "tensor 'w': data_offsets [0,100] run past the end of the data (8 bytes)"],
  ['offsets that end before they begin', rawFile({ w: f32([0], [8, 4]) }, zeros(8)), "tensor 'w': data_offsets [8,4] end before they begin"],
  ['offsets that are not integers', rawFile({ w: f32([1], [0, 4.5]) }, zeros(8)), "tensor 'w': data_offsets must be two non-negative integers [begin, end], got the array [0,4.5]"],
  ['overlapping tensors', rawFile({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, zeros(12)), "tensor 'b': data_offsets [4,12] overlap those of 'a' [0,8]"],
  ['a gap between tensors', rawFile({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, zeros(12)), "tensor 'b': data_offsets [8,12] leave a gap of 4 bytes after 'a' (which ends at 4)"],
  ['data left over after the tensors', rawFile({ a: f32([1], [0, 4]) }, zeros(8)), 'the tensors cover 4 bytes of data, but the file holds 8 after the header'],
  ['a shape that does not match its bytes', rawFile({ 'fc.weight': f32([2, 4], [0, 24]) }, zeros(24)), "tensor 'fc.weight': data_offsets [0,24] hold 6 F32 values, but shape [2,4] needs 8"],
  ['bytes that are not whole elements', rawFile({ w: f32([1], [0, 6]) }, zeros(6)), "tensor 'w': data_offsets [0,6] hold 6 bytes, not a whole number of F32 values (4 bytes each), but shape [1] needs 1"],
  ['a shape of 2^40 elements', rawFile({ w: f32([2 ** 20, 2 ** 20], [0, 8]) }, zeros(8)), "tensor 'w': data_offsets [0,8] hold 2 F32 values, but shape [1048576,1048576] needs 1099511627776"],
  ['a shape past 2^53 elements', rawFile({ w: f32([2 ** 40, 2 ** 40, 2 ** 40], [0, 8]) }, zeros(8)), `tensor 'w': data_offsets [0,8] hold 2 F32 values, but shape [${[2 ** 40, 2 ** 40, 2 ** 40]}] needs more than 2^53`],
  ['a negative dim', rawFile({ w: f32([-1, 2], [0, 8]) }, zeros(8)), "tensor 'w': shape [-1,2] has -1 at axis 0, not a non-negative integer"],
  ['a fractional dim', rawFile({ w: f32([1.5], [0, 8]) }, zeros(8)), "tensor 'w': shape [1.5] has 1.5 at axis 0, not a non-negative integer"],
  ['metadata that is not a string', rawFile({ __metadata__: { epoch: 3 } }), "__metadata__ 'epoch' must be a string, got 3"],
  ['metadata that is not an object', rawFile({ __metadata__: ['a'] }), '__metadata__ must be an object of strings, got the array ["a"]'],
  ['a BOOL that is neither 0 nor 1', rawFile({ flags: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, [1, 0, 2]), "tensor 'flags': BOOL element 2 is the byte 2, not 0 or 1"],
];

describe('each class of hostile file is rejected with an Error naming what is wrong', () => {
  test.each(cases)('%s', (_, bytes, message) => {
    expect(() => decodeSafetensors(bytes)).toThrow(`decodeSafetensors: ${message}`);
  });

  test('a tensor named __proto__ is a tensor, not the prototype of the result', () => {
    const { tensors } = decodeSafetensors(rawFile('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', zeros(4)));
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });

  test('a zero-size tensor may sit at any boundary; a shape with a 0 holds no bytes', () => {
    const { tensors } = decodeSafetensors(rawFile({ a: f32([2 ** 40, 0], [4, 4]), b: f32([1], [0, 4]) }, zeros(4)));
    expect(tensors.a!.shape).toEqual([2 ** 40, 0]);
    expect(tensors.b!.toArray()).toEqual([0]);
  });
});

/** What may go wrong with a header value: the hostile kinds of each field. */
const hostileValue = fc.oneof(
  fc.integer({ min: -3, max: 64 }),
  fc.double(),
  fc.constantFrom(2 ** 40, 2 ** 53, 2 ** 64, -1, 0.5, 'F32', 'F64', 'I64', 'BOOL', 'U16', '', null, true),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 40 }), fc.constantFrom(2 ** 40, 2 ** 53, 1.5, -1)), { maxLength: 4 }),
  fc.object({ maxDepth: 1 }),
);

type Mutation =
  | { kind: 'bytes'; at: number[]; values: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'length'; value: bigint }
  | { kind: 'field'; tensor: number; field: string; value: unknown }
  | { kind: 'append'; values: number[] };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), values: fc.array(fc.nat(255), { minLength: 3, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 400n })) }),
  fc.record({ kind: fc.constant('field' as const), tensor: fc.nat(), field: fc.constantFrom('dtype', 'shape', 'data_offsets', '__metadata__', 'extra'), value: hostileValue }),
  fc.record({ kind: fc.constant('append' as const), values: fc.array(fc.nat(255), { minLength: 1, maxLength: 9 }) }),
);

function mutate(file: Uint8Array, m: Mutation): Uint8Array {
  const out = file.slice();
  const view = new DataView(out.buffer);
  switch (m.kind) {
    case 'bytes':
      m.at.forEach((at, i) => (out[at % out.length] = m.values[i]!));
      return out;
    case 'truncate':
      return out.slice(0, m.at % out.length);
    case 'length':
      view.setBigUint64(0, m.value, true);
      return out;
    case 'append':
      return Uint8Array.from([...out, ...m.values]);
    case 'field': {
      const length = Number(view.getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(out.subarray(8, 8 + length))) as Record<string, Record<string, unknown>>;
      const names = Object.keys(header).filter((k) => k !== '__metadata__');
      if (m.field === '__metadata__') header['__metadata__'] = m.value as Record<string, unknown>;
      else if (names.length > 0) header[names[m.tensor % names.length]!]![m.field] = m.value;
      const text = JSON.stringify(header);
      return rawFile(text + ' '.repeat((8 - (text.length % 8)) % 8), out.subarray(8 + length));
    }
  }
}

describe('fuzz: mutated valid files', () => {
  test('decode gives what a reader of the specification reads, or a decodeSafetensors Error; quickly; allocating little', () => {
    fc.assert(
      fc.property(tensorsArb, mutationArb, (tensors, mutation) => {
        const file = mutate(encodeSafetensors(tensors, { note: 'x' }), mutation);
        const reference = readSpec(file);
        const start = performance.now();
        let decoded: ReturnType<typeof decodeSafetensors> | undefined;
        try {
          decoded = decodeSafetensors(file);
        } catch (error) {
          expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
          expect((error as Error).message).toMatch(/^decodeSafetensors: \S/);
        }
        expect(performance.now() - start).toBeLessThan(500);
        if (decoded === undefined) {
          // The specification's reader rejects it too: the decoder refuses nothing valid.
          expect(typeof reference, `rejected a file the specification reader accepts: ${JSON.stringify(mutation, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`).toBe('string');
          return;
        }
        expect(typeof reference, `accepted a file the specification reader rejects (${String(reference)})`).toBe('object');
        if (typeof reference === 'string') return;
        let copied = 0;
        for (const [name, want] of Object.entries(reference.tensors)) {
          const t = decoded.tensors[name]!;
          expect(t.shape).toEqual(want.shape);
          const got = Array.from(t.data());
          want.values.forEach((v, i) => expect(Object.is(got[i], v), `${name}[${i}]`).toBe(true));
          if (t.storage.buffer !== file.buffer) copied += t.storage.byteLength;
        }
        expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(reference.tensors).sort());
        // Every element was matched to its bytes before anything was allocated: copies take at most
        // 8 bytes (a float64) per byte of the file (a U8, I8 or BOOL), and none when nothing changed.
        expect(copied).toBeLessThanOrEqual(8 * file.length);
      }),
      { numRuns: 2000 },
    );
  });

  test('an unmutated file decodes to the original tensors (the fuzz starts from valid files)', () => {
    fc.assert(
      fc.property(tensorsArb, (tensors) => {
        const { tensors: decoded } = decodeSafetensors(encodeSafetensors(tensors, { note: 'x' }));
        for (const [name, t] of Object.entries(tensors)) expect(Array.from(decoded[name]!.data())).toEqual(Array.from(t.data()));
      }),
    );
  });
});


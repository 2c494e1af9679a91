/**
 * The protobuf writer (varints, length-delimited and packed fields) and the ModelProto that
 * exportOnnx writes, read back with a small independent reader (onnx-reader.ts).
 */
import { describe, expect, it } from 'vitest';
import { manualSeed, randn } from '@nn/autograd';
import { Dense, ReLU, Sequential } from '@nn/layers';
import { exportOnnx } from '@nn/io';
import { ProtoWriter, float32Bytes, int64Bytes } from '../src/onnx/protobuf.js';
import { get, readMessage, readVarint } from './onnx-reader.js';

const varintBytes = (v: number): number[] => {
  const w = new ProtoWriter();
  w.varint(v);
  return [...w.finish()];
};

describe('ProtoWriter', () => {
  it('writes varints as protobuf does, at the byte boundaries', () => {
    expect(varintBytes(0)).toEqual([0x00]);
    expect(varintBytes(1)).toEqual([0x01]);
    expect(varintBytes(127)).toEqual([0x7f]);
    expect(varintBytes(128)).toEqual([0x80, 0x01]);
    expect(varintBytes(300)).toEqual([0xac, 0x02]);
    expect(varintBytes(16383)).toEqual([0xff, 0x7f]);
    expect(varintBytes(16384)).toEqual([0x80, 0x80, 0x01]);
    expect(varintBytes(2 ** 31)).toEqual([0x80, 0x80, 0x80, 0x80, 0x08]);
    expect(varintBytes(2 ** 32)).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
    // A negative int64 is ten bytes of two's complement.
    expect(varintBytes(-1)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('round-trips varints up to 2^53 - 1 and negative ones through the reader', () => {
    for (const v of [0, 1, 2 ** 7 - 1, 2 ** 21, 2 ** 35 + 3, 2 ** 49 - 1, Number.MAX_SAFE_INTEGER, -1, -(2 ** 31), -Number.MAX_SAFE_INTEGER]) {
      const [back, end] = readVarint(Uint8Array.from(varintBytes(v)), 0);
      expect(Number(BigInt.asIntN(64, back))).toBe(v);
      expect(end).toBe(varintBytes(v).length);
    }
  });

  it('rejects a varint that is not a safe integer', () => {
    const w = new ProtoWriter();
    expect(() => w.varint(2 ** 53)).toThrow(/protobuf: a varint must be a safe integer, got 9007199254740992/);
    expect(() => w.varint(1.5)).toThrow(/safe integer, got 1.5/);
    expect(() => w.varint(Number.NaN)).toThrow(/safe integer, got NaN/);
  });

  it('writes keys, strings, nested messages and packed ints that read back', () => {
    const inner = new ProtoWriter();
    inner.int(1, 42);
    const w = new ProtoWriter();
    w.int(3, 7);
    w.string(2, 'héllo');
    w.message(9, inner);
    w.packedInts(4, [1, 300, -1]);
    const bytes = w.finish();
    // Key of field 3, varint: (3 << 3) | 0.
    expect(bytes[0]).toBe(0x18);
    const m = readMessage(bytes);
    expect(get.int(m, 3)).toBe(7);
    expect(get.string(m, 2)).toBe('héllo');
    expect(get.int(get.message(m, 9), 1)).toBe(42);
    expect(get.packedInts(m, 4)).toEqual([1, 300, -1]);
  });

  it('grows its buffer past the initial size', () => {
    const w = new ProtoWriter();
    const big = new Uint8Array(10_000).map((_, i) => i % 251);
    w.bytesField(1, big);
    const back = readMessage(w.finish()).get(1)![0] as Uint8Array;
    expect([...back]).toEqual([...big]);
  });

  it('encodes float32 and int64 payloads little-endian', () => {
    expect([...float32Bytes([1])]).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect([...int64Bytes([-2])]).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });
});

describe('the ModelProto of exportOnnx', () => {
  manualSeed(3);
  const net = new Sequential([new Dense(4, 3), new ReLU(), new Dense(3, 2)]);
  const model = readMessage(exportOnnx(net, randn([2, 4]), { dynamicBatch: true, inputName: 'pixels', outputName: 'scores' }));
  const graph = get.message(model, 7);

  it('names the IR version, the producer and opset 17 of the default domain', () => {
    expect(get.int(model, 1)).toBe(8);
    expect(get.string(model, 2)).toBe('@nn/io');
    const opset = get.message(model, 8);
    expect(get.string(opset, 1) ?? '').toBe('');
    expect(get.int(opset, 2)).toBe(17);
  });

  it('holds the parameters as float32 initializers under their state-dict names', () => {
    const initializers = get.messages(graph, 5);
    const byName = new Map(initializers.map((t) => [get.string(t, 8), t]));
    for (const [name, p] of net.namedParameters()) {
      const t = byName.get(name);
      expect(t, name).toBeDefined();
      expect(get.packedInts(t!, 1)).toEqual(p.shape);
      expect(get.int(t!, 2)).toBe(1); // FLOAT
      const raw = t!.get(9)![0] as Uint8Array;
      expect([...new Float32Array(raw.slice().buffer)]).toEqual([...Float32Array.from(p.data())]);
    }
  });

  it('names the input and output, with a symbolic batch axis', () => {
    const dims = (info: Map<number, (bigint | Uint8Array)[]>): (number | string)[] => {
      const tensorType = get.message(get.message(info, 2), 1);
      expect(get.int(tensorType, 1)).toBe(1);
      return get.messages(get.message(tensorType, 2), 1).map((d) => get.string(d, 2) ?? get.int(d, 1)!);
    };
    const [input] = get.messages(graph, 11);
    const [output] = get.messages(graph, 12);
    expect(get.string(input!, 1)).toBe('pixels');
    expect(get.string(output!, 1)).toBe('scores');
    expect(dims(input!)).toEqual(['batch', 4]);
    expect(dims(output!)).toEqual(['batch', 2]);
  });

  it('writes fixed sizes without dynamicBatch', () => {
    const fixed = get.message(readMessage(exportOnnx(net, randn([2, 4]))), 7);
    const [input] = get.messages(fixed, 11);
    const tensorType = get.message(get.message(input!, 2), 1);
    expect(get.messages(get.message(tensorType, 2), 1).map((d) => get.int(d, 1))).toEqual([2, 4]);
  });

  it('writes the nodes of the trace: MatMul, Add, Relu, ...', () => {
    const ops = get.messages(graph, 1).map((n) => get.string(n, 4));
    expect(ops).toEqual(['Transpose', 'MatMul', 'Add', 'Relu', 'Transpose', 'MatMul', 'Add', 'Identity']);
  });
});

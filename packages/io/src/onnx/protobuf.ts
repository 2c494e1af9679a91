/**
 * A small protocol-buffers writer: just what ONNX's messages need. Wire types 0 (varint) and 2
 * (length-delimited); no zigzag (ONNX has no sint fields); repeated integers packed; float and
 * double payloads as little-endian raw bytes. A message is built bottom-up: a nested message is
 * written to its own writer first and then embedded as bytes, so no length is ever patched.
 */

const textEncoder = new TextEncoder();

/** The wire types used here. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** An append-only byte buffer of one message. */
export class ProtoWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  /** The bytes written so far (a copy the writer no longer touches). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  /** Appends raw bytes. */
  private bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /**
   * Appends a varint. Integers up to 2^53 in magnitude are exact; a negative number is written as
   * its 64-bit two's complement (ten bytes), as protobuf writes a negative int32 or int64.
   */
  varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new Error(`protobuf: a varint must be a safe integer, got ${value}`);
    this.reserve(10);
    if (value >= 0) {
      // Seven bits a byte, low first; division rather than >>> keeps values above 2^32 exact.
      let v = value;
      while (v >= 0x80) {
        this.buffer[this.length++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.buffer[this.length++] = v;
      return;
    }
    let big = BigInt.asUintN(64, BigInt(value));
    for (let i = 0; i < 9; i++) {
      this.buffer[this.length++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.buffer[this.length++] = Number(big);
  }

  /** A field's key: its number and wire type. */
  private key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** An integer field (int32, int64, enum, bool as 0/1). */
  int(field: number, value: number): void {
    this.key(field, VARINT);
    this.varint(value);
  }

  /** A bytes field (or an embedded message's bytes). */
  bytesField(field: number, data: Uint8Array): void {
    this.key(field, LENGTH_DELIMITED);
    this.varint(data.length);
    this.bytes(data);
  }

  /** A string field, UTF-8. */
  string(field: number, value: string): void {
    this.bytesField(field, textEncoder.encode(value));
  }

  /** An embedded message. */
  message(field: number, message: ProtoWriter): void {
    this.bytesField(field, message.finish());
  }

  /** A packed repeated integer field (int32, int64): one length-delimited run of varints. */
  packedInts(field: number, values: readonly number[]): void {
    const run = new ProtoWriter();
    for (const v of values) run.varint(v);
    this.bytesField(field, run.finish());
  }

  /** A packed repeated float field: little-endian float32s. */
  packedFloats(field: number, values: readonly number[]): void {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    this.bytesField(field, data);
  }

  /** A float (fixed32) field. */
  float(field: number, value: number): void {
    this.key(field, 5);
    const data = new Uint8Array(4);
    new DataView(data.buffer).setFloat32(0, value, true);
    this.bytes(data);
  }
}

/** Little-endian bytes of float32 values (TensorProto.raw_data of a FLOAT tensor). */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const data = new Uint8Array(values.length * 4);
  const view = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return data;
}

/** Little-endian bytes of int64 values (TensorProto.raw_data of an INT64 tensor). */
export function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const data = new Uint8Array(values.length * 8);
  const view = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]!), true);
  return data;
}

/** Little-endian bytes of int32 values (TensorProto.raw_data of an INT32 tensor). */
export function int32Bytes(values: ArrayLike<number>): Uint8Array {
  const data = new Uint8Array(values.length * 4);
  const view = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i]!, true);
  return data;
}

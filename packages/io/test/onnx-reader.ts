/**
 * A tiny protocol-buffers reader for the tests: it decodes what the ONNX writer wrote, so that the
 * tests can look at fields by number (independently of the writer's code: it follows the wire
 * format, not the writer).
 */

/** A decoded field value: a varint (as a bigint), the bytes of a length-delimited field, or a fixed32's bytes. */
export type FieldValue = bigint | Uint8Array;

/** Reads a varint at `pos`; returns its value and the next position. */
export function readVarint(bytes: Uint8Array, pos: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= bytes.length) throw new Error('varint runs past the end');
    const b = bytes[pos++]!;
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) return [value, pos];
    if (shift > 63n) throw new Error('varint longer than 10 bytes');
  }
}

/** The fields of one message, by field number, in order. */
export function readMessage(bytes: Uint8Array): Map<number, FieldValue[]> {
  const fields = new Map<number, FieldValue[]>();
  let pos = 0;
  while (pos < bytes.length) {
    const [key, next] = readVarint(bytes, pos);
    pos = next;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value: FieldValue;
    if (wire === 0) [value, pos] = readVarint(bytes, pos);
    else if (wire === 2) {
      const [length, start] = readVarint(bytes, pos);
      value = bytes.subarray(start, start + Number(length));
      if (value.length !== Number(length)) throw new Error('length-delimited field runs past the end');
      pos = start + Number(length);
    } else if (wire === 5) {
      value = bytes.subarray(pos, pos + 4);
      pos += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const decoder = new TextDecoder();

/** Helpers over a decoded message. */
export const get = {
  messages: (m: Map<number, FieldValue[]>, field: number): Map<number, FieldValue[]>[] => (m.get(field) ?? []).map((v) => readMessage(v as Uint8Array)),
  message: (m: Map<number, FieldValue[]>, field: number): Map<number, FieldValue[]> => get.messages(m, field)[0]!,
  strings: (m: Map<number, FieldValue[]>, field: number): string[] => (m.get(field) ?? []).map((v) => decoder.decode(v as Uint8Array)),
  string: (m: Map<number, FieldValue[]>, field: number): string | undefined => get.strings(m, field)[0],
  int: (m: Map<number, FieldValue[]>, field: number): number | undefined => {
    const v = m.get(field)?.[0];
    return v === undefined ? undefined : Number(BigInt.asIntN(64, v as bigint));
  },
  packedInts: (m: Map<number, FieldValue[]>, field: number): number[] => {
    const out: number[] = [];
    for (const run of m.get(field) ?? []) {
      let pos = 0;
      const bytes = run as Uint8Array;
      while (pos < bytes.length) {
        const [v, next] = readVarint(bytes, pos);
        out.push(Number(BigInt.asIntN(64, v)));
        pos = next;
      }
    }
    return out;
  },
};

/**
 * The ONNX messages an export writes, as plain objects, and their encoding. Field numbers are those
 * of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
 * TypeProto.Tensor, TensorShapeProto, OperatorSetIdProto); only the fields used here are modelled.
 */
import { float32Bytes, int32Bytes, int64Bytes, ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** A tensor value: an initializer, or a Constant node's value. */
export interface TensorValue {
  readonly name: string;
  readonly dataType: DataTypeCode;
  readonly dims: readonly number[];
  /** The values, in row-major order (rounded to the data type on writing). */
  readonly values: ArrayLike<number>;
}

/** A node attribute: numbers, strings, or a tensor. */
export type AttributeValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: TensorValue };

export interface NodeValue {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly docString?: string;
}

/** A graph input or output: its name, element type and shape (a string is a symbolic dim). */
export interface ValueInfo {
  readonly name: string;
  readonly dataType: DataTypeCode;
  readonly dims: readonly (number | string)[];
}

export interface GraphValue {
  readonly name: string;
  readonly nodes: readonly NodeValue[];
  readonly initializers: readonly TensorValue[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

export interface ModelValue {
  readonly irVersion: number;
  readonly opsetVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: GraphValue;
  readonly docString?: string;
}

function tensorProto(t: TensorValue): ProtoWriter {
  const w = new ProtoWriter();
  w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  w.string(8, t.name);
  const raw = t.dataType === DataType.FLOAT ? float32Bytes(t.values)
    : t.dataType === DataType.INT64 ? int64Bytes(t.values)
    : t.dataType === DataType.INT32 ? int32Bytes(t.values)
    : Uint8Array.from(t.values, (v) => (v !== 0 ? 1 : 0));
  w.bytesField(9, raw);
  return w;
}

function attributeProto(name: string, a: AttributeValue): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, name);
  switch (a.kind) {
    case 'float': w.float(2, a.value); w.int(20, AttributeType.FLOAT); break;
    case 'int': w.int(3, a.value); w.int(20, AttributeType.INT); break;
    case 'string': w.string(4, a.value); w.int(20, AttributeType.STRING); break;
    case 'tensor': w.message(5, tensorProto(a.value)); w.int(20, AttributeType.TENSOR); break;
    case 'floats': w.packedFloats(7, a.value); w.int(20, AttributeType.FLOATS); break;
    case 'ints': w.packedInts(8, a.value); w.int(20, AttributeType.INTS); break;
    case 'strings': for (const s of a.value) w.string(9, s); w.int(20, AttributeType.STRINGS); break;
  }
  return w;
}

function nodeProto(n: NodeValue): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes)) w.message(5, attributeProto(name, a));
  if (n.docString !== undefined) w.string(6, n.docString);
  return w;
}

function valueInfoProto(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'string') dim.string(2, d);
    else dim.int(1, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter();
  tensorType.int(1, v.dataType);
  tensorType.message(2, shape);
  const type = new ProtoWriter();
  type.message(1, tensorType);
  const w = new ProtoWriter();
  w.string(1, v.name);
  w.message(2, type);
  return w;
}

function graphProto(g: GraphValue): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, nodeProto(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, tensorProto(t));
  for (const v of g.inputs) w.message(11, valueInfoProto(v));
  for (const v of g.outputs) w.message(12, valueInfoProto(v));
  return w;
}

/** The bytes of a ModelProto. */
export function encodeModel(m: ModelValue): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  if (m.docString !== undefined) w.string(6, m.docString);
  w.message(7, graphProto(m.graph));
  const opset = new ProtoWriter();
  opset.string(1, '');
  opset.int(2, m.opsetVersion);
  w.message(8, opset);
  return w.finish();
}

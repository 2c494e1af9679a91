/**
 * The graph being written: value names for the tensors of the trace, initializers (parameters by
 * their state-dict names, constants), and nodes. Converters (ops.ts, modules.ts) see it as an
 * `ExportContext`.
 */
import type { Tensor } from '@nn/autograd';
import { DataType, type AttributeValue, type DataTypeCode, type NodeValue, type TensorValue } from './messages.js';

/** What a converter may do: name values, add nodes and constants, ask which axes follow the batch. */
export interface ExportContext {
  /** The opset being written. */
  readonly opset: number;
  /** The name of a tensor's value: a traced result, the input, a parameter, or (else) a new constant. */
  value(t: Tensor): string;
  /** The value as a BOOL tensor (nonzero meaning true), for Where's condition. */
  boolValue(t: Tensor): string;
  /** Names `t` as the value `name` (a converter's result). */
  bind(t: Tensor, name: string): void;
  /** Names `t`'s BOOL form (a comparison's result), which `boolValue` then returns. */
  bindBool(t: Tensor, name: string): void;
  /** Names `t` as the value that `make` writes, written only if something reads it. */
  bindLazily(t: Tensor, make: () => string): void;
  /** Adds a node; returns its outputs' names. */
  node(opType: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>, outputs?: number): string[];
  /** A FLOAT constant. */
  floats(values: ArrayLike<number>, dims: readonly number[], hint?: string): string;
  /** An INT64 constant (shapes, axes). */
  int64s(values: readonly number[], dims?: readonly number[]): string;
  /** An initializer named after a parameter (made unique), holding float32 values. */
  weight(name: string, values: ArrayLike<number>, dims: readonly number[]): string;
  /**
   * A 1-D INT64 value holding `sizes`, whose entries that differ in `altSizes` (the second trace's)
   * follow the batch size: each such entry is k * batch + c, computed from the input's axis 0 at run time.
   */
  sizes(sizes: readonly number[], altSizes: readonly number[] | null): string;
  /** For each axis of `t`, whether its size follows the batch size (from the second trace). */
  batchAxes(t: Tensor): boolean[];
  /** `t`'s shape in the second trace (its own without one). */
  altShape(t: Tensor): readonly number[];
  /** An Error naming what failed, the op or module and where it ran. */
  fail(message: string): Error;
}

/** Attribute helpers. */
export const int = (value: number): AttributeValue => ({ kind: 'int', value });
export const float = (value: number): AttributeValue => ({ kind: 'float', value });
export const ints = (value: readonly number[]): AttributeValue => ({ kind: 'ints', value });
export const str = (value: string): AttributeValue => ({ kind: 'string', value });
export const strs = (value: readonly string[]): AttributeValue => ({ kind: 'strings', value });

/** The data type an @nn dtype is written as: floats as FLOAT (the export is float32), int32 as INT32. */
export function dataTypeOf(t: Tensor): DataTypeCode {
  return t.dtype === 'int32' ? DataType.INT32 : DataType.FLOAT;
}

/** A tensor that became a constant of the graph, for the check against the second trace. */
export interface ConstantUse {
  readonly tensor: Tensor;
  readonly name: string;
}

/**
 * The ExportContext of one export: it names the traced tensors' values, turns parameters into
 * initializers under their state-dict names and other tensors read into constants, and collects the
 * nodes in the order the converters add them.
 */
export class GraphBuilder implements ExportContext {
  readonly nodes: NodeValue[] = [];
  readonly initializers: TensorValue[] = [];
  readonly constants: ConstantUse[] = [];
  private readonly names = new Map<Tensor, string>();
  private readonly bools = new Map<Tensor, string>();
  private readonly lazy = new Map<Tensor, () => string>();
  private readonly used = new Set<string>();
  private readonly altShapes = new Map<Tensor, readonly number[]>();
  private counter = 0;
  /** Where the op or module being converted ran, for `fail`. */
  current = '';

  private batchValue: string | null = null;

  constructor(
    readonly opset: number,
    private readonly parameterNames: Map<Tensor, string>,
    /** The graph input's name, its example batch size, and the second trace's. */
    private readonly input: { readonly name: string; readonly batch: number; readonly altBatch: number },
  ) {}

  /** The input's axis 0 at run time, as INT64 [1] (made once). */
  private batch(): string {
    this.batchValue ??= this.node('Slice', [this.node('Shape', [this.input.name])[0]!, this.int64s([0]), this.int64s([1])])[0]!;
    return this.batchValue;
  }

  sizes(sizes: readonly number[], altSizes: readonly number[] | null): string {
    const varying = sizes.map((d, i) => altSizes !== null && altSizes[i] !== d);
    if (!varying.some(Boolean)) return this.int64s(sizes);
    const step = this.input.altBatch - this.input.batch;
    const pieces: string[] = [];
    let run: number[] = [];
    sizes.forEach((d, i) => {
      if (!varying[i]) {
        run.push(d);
        return;
      }
      if (run.length > 0) pieces.push(this.int64s(run));
      run = [];
      const k = (altSizes![i]! - d) / step;
      const c = d - k * this.input.batch;
      if (!Number.isInteger(k)) throw this.fail(`size ${d} (${altSizes![i]} at batch ${this.input.altBatch}) is not a whole multiple of the batch size plus a constant`);
      let v = this.batch();
      if (k !== 1) v = this.node('Mul', [v, this.int64s([k])])[0]!;
      if (c !== 0) v = this.node('Add', [v, this.int64s([c])])[0]!;
      pieces.push(v);
    });
    if (run.length > 0) pieces.push(this.int64s(run));
    return pieces.length === 1 ? pieces[0]! : this.node('Concat', pieces, { axis: int(0) })[0]!;
  }

  private fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  setAltShape(t: Tensor, shape: readonly number[]): void {
    if (!this.altShapes.has(t)) this.altShapes.set(t, shape);
  }

  value(t: Tensor): string {
    const known = this.names.get(t);
    if (known !== undefined) return known;
    const make = this.lazy.get(t);
    if (make !== undefined) {
      this.lazy.delete(t);
      const name = make();
      this.names.set(t, name);
      return name;
    }
    const parameter = this.parameterNames.get(t);
    const name = parameter === undefined ? this.fresh(`const_${this.constants.length}`) : this.fresh(parameter);
    const values = t.data();
    this.initializers.push({ name, dataType: dataTypeOf(t), dims: t.shape, values });
    if (parameter === undefined) this.constants.push({ tensor: t, name });
    this.names.set(t, name);
    return name;
  }

  boolValue(t: Tensor): string {
    return this.bools.get(t) ?? this.node('Cast', [this.value(t)], { to: int(DataType.BOOL) })[0]!;
  }

  bindBool(t: Tensor, name: string): void {
    this.bools.set(t, name);
  }

  bind(t: Tensor, name: string): void {
    this.names.set(t, name);
  }

  bindLazily(t: Tensor, make: () => string): void {
    this.lazy.set(t, make);
  }

  isBound(t: Tensor): boolean {
    return this.names.has(t) || this.lazy.has(t) || this.bools.has(t);
  }

  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, outputs = 1): string[] {
    const name = this.fresh(`${opType}_${this.nodes.length}`);
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(`${name}_out${outputs === 1 ? '' : i}`));
    this.nodes.push({ opType, inputs, outputs: outs, name, attributes, ...(this.current === '' ? {} : { docString: this.current }) });
    return outs;
  }

  floats(values: ArrayLike<number>, dims: readonly number[], hint = 'const'): string {
    const name = this.fresh(`${hint}_${this.initializers.length}`);
    this.initializers.push({ name, dataType: DataType.FLOAT, dims, values });
    return name;
  }

  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh(`ints_${this.initializers.length}`);
    this.initializers.push({ name, dataType: DataType.INT64, dims, values });
    return name;
  }

  weight(name: string, values: ArrayLike<number>, dims: readonly number[]): string {
    const unique = this.fresh(name);
    this.initializers.push({ name: unique, dataType: DataType.FLOAT, dims, values });
    return unique;
  }

  altShape(t: Tensor): readonly number[] {
    return this.altShapes.get(t) ?? t.shape;
  }

  batchAxes(t: Tensor): boolean[] {
    const alt = this.altShape(t);
    return t.shape.map((d, i) => alt[i] !== d);
  }

  fail(message: string): Error {
    return new Error(`exportOnnx: ${message}${this.current === '' ? '' : `, in ${this.current}`}`);
  }
}

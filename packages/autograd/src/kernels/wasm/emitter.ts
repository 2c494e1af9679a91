/**
 * A small emitter of WebAssembly binary modules: what our generated kernels need, and little more.
 *
 * A module is a header followed by sections, each a one-byte id, its byte length and its contents.
 * Numbers are LEB128 (7 bits a byte, high bit set on every byte but the last); vectors are a count
 * then the items. A function body is its locals then a flat stream of instructions for a stack
 * machine: `local.get 0; local.get 1; i32.add` pushes two values and replaces them by their sum.
 * Structured control (block, loop, if) nests and closes with `end`; a branch names its target by
 * depth, 0 being the innermost enclosing block.
 *
 * Opcodes live in tables keyed by their text-format names, so that generator code reads like the
 * text format: `f.get(x).get(y).op('f32x4.mul')`. SIMD opcodes are the prefix byte 0xfd followed by
 * the opcode as an unsigned LEB128.
 *
 * Reference: https://webassembly.github.io/spec/core/binary/ (and the SIMD proposal's opcode table).
 */

/** Value types, by their binary encoding. */
export const ValType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Unsigned LEB128 of an integer in [0, 2^32). */
export function unsignedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`unsignedLeb128: ${value} is not a u32`);
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/**
 * Signed LEB128 of an integer in [-2^31, 2^31), as i32.const takes it. Encoding stops once the rest
 * of the value is all sign bits and the last byte's bit 6 (the sign of the decoded value) agrees.
 */
export function signedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new RangeError(`signedLeb128: ${value} is not an i32`);
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7; // arithmetic shift: keeps the sign
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

/** A length-prefixed name, as imports and exports spell theirs (UTF-8; we only need ASCII). */
function encodeName(name: string): number[] {
  const bytes = [...name].map((ch) => {
    const code = ch.charCodeAt(0);
    if (code > 0x7f) throw new RangeError(`encodeName: ${JSON.stringify(name)} is not ASCII`);
    return code;
  });
  return [...unsignedLeb128(bytes.length), ...bytes];
}

/** A vector: the item count, then the items' bytes. */
function encodeVector(items: readonly (readonly number[])[]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

/** A SIMD opcode's bytes: the 0xfd prefix, then the opcode as an unsigned LEB128 (0xe4 and 0x105 take two bytes). */
const simd = (opcode: number): number[] => [0xfd, ...unsignedLeb128(opcode)];

/** Instructions without immediates, by text-format name. */
const PLAIN = {
  'unreachable': [0x00],
  'return': [0x0f],
  'drop': [0x1a],
  'select': [0x1b],
  'i32.eqz': [0x45],
  'i32.eq': [0x46],
  'i32.ne': [0x47],
  'i32.lt_s': [0x48],
  'i32.lt_u': [0x49],
  'i32.gt_s': [0x4a],
  'i32.gt_u': [0x4b],
  'i32.le_s': [0x4c],
  'i32.le_u': [0x4d],
  'i32.ge_s': [0x4e],
  'i32.ge_u': [0x4f],
  'i32.add': [0x6a],
  'i32.sub': [0x6b],
  'i32.mul': [0x6c],
  'i32.div_u': [0x6e],
  'i32.rem_u': [0x70],
  'i32.and': [0x71],
  'i32.or': [0x72],
  'i32.shl': [0x74],
  'i32.shr_u': [0x76],
  'f32.add': [0x92],
  'f32.sub': [0x93],
  'f32.mul': [0x94],
  'f64.eq': [0x61],
  'f64.ne': [0x62],
  'f64.gt': [0x64],
  'f64.abs': [0x99],
  'f64.add': [0xa0],
  'f64.sub': [0xa1],
  'f64.mul': [0xa2],
  'f64.div': [0xa3],
  'f64.sqrt': [0x9f],
  'f64.convert_i32_u': [0xb8],
  'f32.demote_f64': [0xb6],
  'f64.promote_f32': [0xbb],
  'i64.extend_i32_s': [0xac],
  'v128.and': simd(0x4e),
  'v128.or': simd(0x50),
  'v128.bitselect': simd(0x52),
  'f32x4.eq': simd(0x41),
  'f32x4.ne': simd(0x42),
  'f32x4.lt': simd(0x43),
  'f32x4.gt': simd(0x44),
  'f32x4.le': simd(0x45),
  'f32x4.ge': simd(0x46),
  'f64x2.eq': simd(0x47),
  'f64x2.ne': simd(0x48),
  'f64x2.lt': simd(0x49),
  'f64x2.gt': simd(0x4a),
  'f64x2.le': simd(0x4b),
  'f64x2.ge': simd(0x4c),
  'f32x4.abs': simd(0xe0),
  'f32x4.neg': simd(0xe1),
  'f32x4.sqrt': simd(0xe3),
  'f32x4.div': simd(0xe7),
  'f64x2.abs': simd(0xec),
  'f64x2.neg': simd(0xed),
  'f64x2.sqrt': simd(0xef),
  'f64x2.div': simd(0xf3),
  'f64x2.max': simd(0xf5),
  'f64x2.min': simd(0xf4),
  'f32x4.nearest': simd(0x6a),
  'f32x4.min': simd(0xe8),
  'f32x4.max': simd(0xe9),
  // The pseudo-minimum and -maximum: pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a, one
  // x86 instruction each where min and max (which order -0 below +0 and pass any NaN on) take several.
  'f32x4.pmin': simd(0xea),
  'f32x4.pmax': simd(0xeb),
  'f64x2.nearest': simd(0x94),
  'i32x4.trunc_sat_f32x4_s': simd(0xf8),
  'i32x4.splat': simd(0x11),
  'i32x4.shl': simd(0xab),
  'i32x4.add': simd(0xae),
  'i32x4.eq': simd(0x37),
  'i32x4.trunc_sat_f64x2_s_zero': simd(0xfc),
  'i64x2.extend_low_i32x4_s': simd(0xc7),
  'i64x2.splat': simd(0x12),
  'i64x2.eq': simd(0xd6),
  'i64x2.shl': simd(0xcb),
  'i64x2.add': simd(0xce),
  'f32x4.demote_f64x2_zero': simd(0x5e),
  'f64x2.promote_low_f32x4': simd(0x5f),
  'f32x4.splat': simd(0x13),
  'f64x2.splat': simd(0x14),
  'f32x4.add': simd(0xe4),
  'f32x4.sub': simd(0xe5),
  'f32x4.mul': simd(0xe6),
  'f64x2.add': simd(0xf0),
  'f64x2.sub': simd(0xf1),
  'f64x2.mul': simd(0xf2),
  // Relaxed SIMD (a separate proposal; engines without it reject the module): a * b + c, which an
  // engine may compute fused (one rounding) or as mul then add. Operands pushed in the order a, b, c.
  'f32x4.relaxed_madd': simd(0x105),
  'f64x2.relaxed_madd': simd(0x107),
} as const satisfies Record<string, readonly number[]>;

/**
 * Loads and stores: opcode bytes and the natural alignment (log2 of the access width in bytes),
 * which is the alignment hint we always give. The hint never changes results; engines may use it.
 */
const MEMORY = {
  'i32.load': { bytes: [0x28], align: 2 },
  'f32.load': { bytes: [0x2a], align: 2 },
  'f64.load': { bytes: [0x2b], align: 3 },
  'i32.store': { bytes: [0x36], align: 2 },
  'f32.store': { bytes: [0x38], align: 2 },
  'f64.store': { bytes: [0x39], align: 3 },
  'v128.load': { bytes: simd(0x00), align: 4 },
  'v128.load32_splat': { bytes: simd(0x09), align: 2 },
  'v128.load64_splat': { bytes: simd(0x0a), align: 3 },
  'v128.store': { bytes: simd(0x0b), align: 4 },
} as const satisfies Record<string, { bytes: readonly number[]; align: number }>;

export type PlainOp = keyof typeof PLAIN;
export type MemoryOp = keyof typeof MEMORY;

/** The block type of a block, loop or if that leaves nothing on the stack (the only kind we emit). */
const EMPTY_BLOCK = 0x40;

/**
 * Builds one function body. Methods append one instruction each and return `this`, so a line of
 * generator code can read like a line of the text format. Locals 0 .. params.length - 1 are the
 * parameters; `local()` declares more.
 */
export class FunctionBuilder {
  private readonly localTypes: ValType[] = [];
  private readonly code: number[] = [];
  private depth = 0; // open blocks, to catch an unbalanced `end` early

  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[]) {}

  /** Declares a new local of `type` and returns its index. */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  op(name: PlainOp): this {
    this.code.push(...PLAIN[name]);
    return this;
  }

  /** A load or store at address (top of stack) + `offset` bytes. */
  mem(name: MemoryOp, offset = 0): this {
    const { bytes, align } = MEMORY[name];
    this.code.push(...bytes, ...unsignedLeb128(align), ...unsignedLeb128(offset));
    return this;
  }

  get(index: number): this {
    this.code.push(0x20, ...unsignedLeb128(index));
    return this;
  }

  set(index: number): this {
    this.code.push(0x21, ...unsignedLeb128(index));
    return this;
  }

  /** local.tee: sets the local and leaves the value on the stack. */
  tee(index: number): this {
    this.code.push(0x22, ...unsignedLeb128(index));
    return this;
  }

  i32(value: number): this {
    this.code.push(0x41, ...signedLeb128(value));
    return this;
  }

  f32(value: number): this {
    const bytes = new Uint8Array(new Float32Array([value]).buffer); // little-endian IEEE 754 on every platform wasm runs on
    this.code.push(0x43, ...bytes);
    return this;
  }

  f64(value: number): this {
    const bytes = new Uint8Array(new Float64Array([value]).buffer); // little-endian IEEE 754 on every platform wasm runs on
    this.code.push(0x44, ...bytes);
    return this;
  }

  /**
   * i8x16.shuffle: pops two vectors and pushes the bytes they hold picked by `lanes` (16 indices;
   * 0-15 pick from the first, 16-31 from the second).
   */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((lane) => !Number.isInteger(lane) || lane < 0 || lane > 31)) {
      throw new RangeError(`FunctionBuilder.shuffle: expected 16 byte indices from 0 to 31, got [${lanes.join(', ')}]`);
    }
    this.code.push(...simd(0x0d), ...lanes);
    return this;
  }

  /** f64x2.extract_lane: pops a vector, pushes its float64 lane `lane` (0 or 1). */
  extractF64(lane: 0 | 1): this {
    this.code.push(...simd(0x21), lane);
    return this;
  }

  /** v128.const of sixteen zero bytes. */
  v128Zero(): this {
    return this.i32x4Const([0, 0, 0, 0]);
  }

  /** v128.const of four int32 lanes. */
  i32x4Const(lanes: readonly [number, number, number, number]): this {
    const bytes = new Uint8Array(Int32Array.from(lanes).buffer);
    this.code.push(...simd(0x0c), ...bytes);
    return this;
  }

  /** Opens a block: a `br` to it jumps past its `end`. */
  block(): this {
    return this.open(0x02);
  }

  /** Opens a loop: a `br` to it jumps back to its start. */
  loop(): this {
    return this.open(0x03);
  }

  /** Opens an if (pops an i32 condition). */
  if(): this {
    return this.open(0x04);
  }

  else(): this {
    this.code.push(0x05);
    return this;
  }

  end(): this {
    if (--this.depth < 0) throw new Error('FunctionBuilder: end without an open block');
    this.code.push(0x0b);
    return this;
  }

  br(depth: number): this {
    this.code.push(0x0c, ...unsignedLeb128(depth));
    return this;
  }

  /** Branches if the popped i32 is non-zero. */
  brIf(depth: number): this {
    this.code.push(0x0d, ...unsignedLeb128(depth));
    return this;
  }

  /** The body as the code section stores it: size, locals (run-length encoded by type), code, end. */
  encode(): number[] {
    if (this.depth !== 0) throw new Error(`FunctionBuilder: ${this.depth} block(s) left open`);
    const runs: number[][] = [];
    let i = 0;
    while (i < this.localTypes.length) {
      let j = i;
      while (j < this.localTypes.length && this.localTypes[j] === this.localTypes[i]) j++;
      runs.push([...unsignedLeb128(j - i), this.localTypes[i]!]);
      i = j;
    }
    const body = [...encodeVector(runs), ...this.code, 0x0b];
    return [...unsignedLeb128(body.length), ...body];
  }

  private open(opcode: number): this {
    this.depth++;
    this.code.push(opcode, EMPTY_BLOCK);
    return this;
  }
}

/** The limits of an imported shared memory. */
export interface SharedMemoryLimits {
  /** The maximum in pages of 64 KiB; the memory passed in must declare a maximum no larger. */
  readonly maxPages: number;
}

/** Section ids, in the order sections must appear. */
const Section = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;
/** Import and export kinds. */
const ExternalKind = { function: 0, memory: 2 } as const;

/**
 * Builds a module from functions and, optionally, one imported memory. Every function gets its own
 * type entry (engines do not mind duplicates, and sharing them would save a few bytes a function).
 */
export class ModuleBuilder {
  private readonly functions: { builder: FunctionBuilder; exportName: string | undefined }[] = [];
  private memoryImport: { module: string; name: string; minPages: number; shared: SharedMemoryLimits | undefined } | undefined;

  /**
   * Imports a memory (as memory 0) with at least `minPages` pages of 64 KiB. Without `shared`, any
   * unshared memory at least that large may be passed. With it, the import asks for a shared memory
   * (the kind threads can use together), which the threads proposal requires to declare a maximum.
   */
  importMemory(module: string, name: string, minPages: number, shared?: SharedMemoryLimits): this {
    this.memoryImport = { module, name, minPages, shared };
    return this;
  }

  /** Adds a function, exported under `exportName` if given, and returns its builder to fill in. */
  addFunction(params: readonly ValType[], results: readonly ValType[], exportName?: string): FunctionBuilder {
    const builder = new FunctionBuilder(params, results);
    this.functions.push({ builder, exportName });
    return builder;
  }

  toBytes(): Uint8Array {
    const section = (id: number, contents: number[]): number[] => [id, ...unsignedLeb128(contents.length), ...contents];
    const sections: number[][] = [];
    const types = this.functions.map(({ builder }) => [0x60, ...encodeVector(builder.params.map((t) => [t])), ...encodeVector(builder.results.map((t) => [t]))]);
    if (types.length > 0) sections.push(section(Section.type, encodeVector(types)));
    if (this.memoryImport) {
      const { module, name, minPages, shared } = this.memoryImport;
      // Limits flag 0x00: a minimum and no maximum, so any memory at least that large may be passed.
      // Flag 0x03: shared, with a minimum and a maximum (the memory passed must declare one no larger).
      const limits = shared === undefined ? [0x00, ...unsignedLeb128(minPages)] : [0x03, ...unsignedLeb128(minPages), ...unsignedLeb128(shared.maxPages)];
      const entry = [...encodeName(module), ...encodeName(name), ExternalKind.memory, ...limits];
      sections.push(section(Section.import, encodeVector([entry])));
    }
    if (types.length > 0) sections.push(section(Section.function, encodeVector(types.map((_, i) => unsignedLeb128(i)))));
    // Imported functions would come first in the function index space; we import none.
    const exports = this.functions.flatMap(({ exportName }, i) => (exportName === undefined ? [] : [[...encodeName(exportName), ExternalKind.function, ...unsignedLeb128(i)]]));
    if (exports.length > 0) sections.push(section(Section.export, encodeVector(exports)));
    if (types.length > 0) sections.push(section(Section.code, encodeVector(this.functions.map(({ builder }) => builder.encode()))));
    const magicAndVersion = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]; // "\0asm", version 1
    return new Uint8Array([magicAndVersion, ...sections].flat());
  }
}

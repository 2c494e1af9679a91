/**
 * Generates the WebAssembly module behind the WASM matmul kernel (./matmul.ts drives it). It imports
 * its memory and exports, for each precision (f32 and f64):
 *
 *   gemm(a, b, c, mTiles, nTiles, kc, ldc, accumulate, bStep, bStrip)   multiplies blocks of A and B
 *   pack(dst, src, count, width, depth, laneStride, depthStride)        packs a block of an operand
 *
 * gemm's operands, all byte addresses in memory:
 * - `a`: mTiles strips of MR rows of A, each strip stored k-major (kc groups of MR values);
 * - `b`: nTiles strips of NR columns of B, whose row p (NR values) is at b + strip * bStrip + p * bStep:
 *   packed strips have bStep = NR * bytes and bStrip = kc * NR * bytes, and a B with contiguous
 *   rows can be read in place with bStep = its row stride and bStrip = NR * bytes;
 * - `c`: the (mTiles * MR) x (nTiles * NR) block of C, row-major with row stride `ldc` bytes;
 * - `kc`: the depth of the strips, positive; mTiles and nTiles are positive too;
 * - `accumulate`: 0 to overwrite C, 1 to add to it (for k blocks after the first).
 * Edge tiles are the caller's business: pack pads strips with zeros to whole tiles, and the caller
 * ignores the padded part of C.
 *
 * Loop order (the BLIS one): over NR-column strips of B, then over MR-row strips of A. One strip of B
 * (kc x NR, 8 KiB at kc = 256) stays in L1 while every strip of A streams past it from L2. Inside,
 * the micro-kernel keeps the MR x NR tile of C in SIMD locals for the whole k loop, so each step loads
 * MR + NR values for MR * NR multiply-adds. SIMD128 has no fused multiply-add, so each update of the
 * plain module is a mul then an add. The relaxed variant (`{ relaxed: true }`) is the same code with
 * each pair replaced by one `relaxed_madd`, which engines with FMA run fused (one rounding instead of
 * two); it only validates where the engine has relaxed SIMD (Chromium; Node 20 behind
 * --experimental-wasm-relaxed-simd), so ./runtime.ts picks it by feature detection.
 *
 * Tile shape and register budget. V8 on x64 gives SIMD values xmm0..xmm14 (xmm15 is its scratch).
 * The f32 tile is 4 x 8 (two f32x4 a row): 8 accumulators + 2 B vectors + 1 A splat + 1 product = 12
 * registers. The f64 tile is 4 x 4 (two f64x2 a row), the same count. Measured on the micro-kernel
 * alone (Node 20, Zen 5, one thread, packed data in cache), in GFLOPS:
 *
 *   f32 tile   4x8  2x16  4x12  3x16  8x4  5x8  6x8  6x8 reloading B   4x8 unrolled 2 / 4 over k
 *   GFLOPS      55    56    30    31   35   40   28               22                  35 / 28
 *   f64 tile   4x4   2x8   5x4   6x4  4x6  3x8
 *   GFLOPS      28    29    20    14   15   16
 *
 * 55 is the machine's peak without FMA: two multiplies and two adds a cycle at about 3.4 GHz. Bigger
 * tiles spill accumulators. Unrolling the k loop by hand also loses: V8 (11.3) then loads every step's
 * operands at the top of the loop and spills; left alone it unrolls the one-step loop itself. 4x8 is
 * as fast as 2x16, and its half-as-wide strips of B waste less on products with few columns.
 */
import { FunctionBuilder, ModuleBuilder, ValType, type PlainOp, type SharedMemoryLimits } from './emitter.js';

/** The shape of one precision's micro-kernel. */
export interface TileShape {
  /** Rows of the C tile. */
  readonly mr: number;
  /** Columns of the C tile (a multiple of the lanes per vector). */
  readonly nr: number;
}

/** Per precision: element bytes, lanes per v128, and the micro-kernel tile. */
export interface Precision {
  readonly name: 'f32' | 'f64';
  readonly bytes: 4 | 8;
  readonly lanes: 4 | 2;
  readonly tile: TileShape;
}

export const F32: Precision = { name: 'f32', bytes: 4, lanes: 4, tile: { mr: 4, nr: 8 } };
export const F64: Precision = { name: 'f64', bytes: 8, lanes: 2, tile: { mr: 4, nr: 4 } };

/** gemm as JS sees it (all arguments i32; see the header). */
export type GemmFunction = (
  a: number, b: number, c: number, mTiles: number, nTiles: number, kc: number, ldc: number, accumulate: number, bStep: number, bStrip: number,
) => void;

/** pack as JS sees it (all arguments i32; see `emitPack`). */
export type PackFunction = (dst: number, src: number, count: number, width: number, depth: number, laneStride: number, depthStride: number) => void;

/** Import names of the memory: the module imports it so that JS owns it (and could share it with workers). */
export const MEMORY_IMPORT = { module: 'env', name: 'memory' } as const;

/** Which module: the plain SIMD128 one, or the relaxed-SIMD variant (fused multiply-adds). */
export interface MatmulModuleOptions {
  /** Use `f32x4.relaxed_madd` / `f64x2.relaxed_madd` in the micro-kernels (default false). */
  readonly relaxed?: boolean;
}

/**
 * The module's bytes, exporting `gemm_f32`, `gemm_f64`, `pack_f32` and `pack_f64`. With `shared`, the
 * module imports a shared memory (for worker threads); the code is the same either way. With
 * `relaxed`, the micro-kernels multiply-add with relaxed SIMD (see the header); packing is the same.
 */
export function matmulModuleBytes(shared?: SharedMemoryLimits, options: MatmulModuleOptions = {}): Uint8Array {
  const module = new ModuleBuilder().importMemory(MEMORY_IMPORT.module, MEMORY_IMPORT.name, 1, shared);
  for (const precision of [F32, F64]) {
    emitGemm(module, precision, options.relaxed === true);
    emitPack(module, precision);
  }
  return module.toBytes();
}

/** Emits `gemm_<precision>` into `module`: the loops over tiles of a packed block, and the micro-kernel. */
function emitGemm(module: ModuleBuilder, precision: Precision, relaxed: boolean): void {
  const { bytes, lanes, tile: { mr, nr } } = precision;
  const vectors = nr / lanes; // v128 per row of the tile
  const mul: PlainOp = precision.name === 'f32' ? 'f32x4.mul' : 'f64x2.mul';
  const add: PlainOp = precision.name === 'f32' ? 'f32x4.add' : 'f64x2.add';
  const madd: PlainOp = precision.name === 'f32' ? 'f32x4.relaxed_madd' : 'f64x2.relaxed_madd';
  const splat = precision.name === 'f32' ? 'v128.load32_splat' : 'v128.load64_splat';

  const i32 = ValType.i32;
  const f = module.addFunction([i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], [], `gemm_${precision.name}`);
  /** acc += a * b: mul then add, or one relaxed_madd (which takes a, b, then the addend). */
  const multiplyAdd = (accumulator: number, x: number, y: number): void => {
    if (relaxed) f.get(x).get(y).get(accumulator).op(madd).set(accumulator);
    else f.get(accumulator).get(x).get(y).op(mul).op(add).set(accumulator);
  };
  const [a, b, c, mTiles, nTiles, kc, ldc, accumulate, bStep, bStrip] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
  const aStrip = f.local(i32); // the current strip of A (MR rows)
  const cTile = f.local(i32); // top-left of the current C tile
  const cColumn = f.local(i32); // top of the current column of C tiles
  const cRow = f.local(i32); // walks the rows of a tile when loading and storing it
  const rowsLeft = f.local(i32);
  const pa = f.local(i32); // walks a strip of A over k
  const pb = f.local(i32); // walks a strip of B over k
  const aEnd = f.local(i32); // where pa stops: the end of the strip
  const stripBytesA = f.local(i32); // kc * MR * bytes
  const acc = Array.from({ length: mr }, () => Array.from({ length: vectors }, () => f.local(ValType.v128)));
  const bv = Array.from({ length: vectors }, () => f.local(ValType.v128));
  const av = f.local(ValType.v128);

  f.get(kc).i32(mr * bytes).op('i32.mul').set(stripBytesA);
  f.get(c).set(cColumn);

  // Over the strips of B (callers guarantee nTiles >= 1, so the loops test at the bottom).
  f.loop();
  {
    f.get(a).set(aStrip);
    f.get(cColumn).set(cTile);
    f.get(mTiles).set(rowsLeft);
    // Over the strips of A: one C tile each.
    f.loop();
    {
      // Start the accumulators from C when adding a later k block, else from zero.
      f.get(accumulate).if();
      forEachRowOfTile(f, cTile, cRow, ldc, mr, (i) => {
        for (let v = 0; v < vectors; v++) f.get(cRow).mem('v128.load', v * 16).set(acc[i]![v]!);
      });
      f.else();
      for (const row of acc) for (const x of row) f.v128Zero().set(x);
      f.end();

      // The micro-kernel: one k step per iteration. Per step, load one row of the B strip (NR values)
      // and splat each of the MR values of A's column in turn; every accumulator gets one multiply-add.
      f.get(aStrip).tee(pa).get(stripBytesA).op('i32.add').set(aEnd);
      f.get(b).set(pb);
      f.loop();
      for (let v = 0; v < vectors; v++) f.get(pb).mem('v128.load', v * 16).set(bv[v]!);
      for (let i = 0; i < mr; i++) {
        f.get(pa).mem(splat, i * bytes).set(av);
        for (let v = 0; v < vectors; v++) multiplyAdd(acc[i]![v]!, av, bv[v]!);
      }
      f.get(pb).get(bStep).op('i32.add').set(pb);
      f.get(pa).i32(mr * bytes).op('i32.add').tee(pa);
      f.get(aEnd).op('i32.ne').brIf(0);
      f.end();

      forEachRowOfTile(f, cTile, cRow, ldc, mr, (i) => {
        for (let v = 0; v < vectors; v++) f.get(cRow).get(acc[i]![v]!).mem('v128.store', v * 16);
      });

      // Next strip of A (it starts where this one ended) and the C tile below.
      f.get(aEnd).set(aStrip);
      f.get(cTile).get(ldc).i32(mr).op('i32.mul').op('i32.add').set(cTile);
      f.get(rowsLeft).i32(1).op('i32.sub').tee(rowsLeft).brIf(0);
    }
    f.end();
    // Next strip of B, and the next column of C tiles.
    f.get(b).get(bStrip).op('i32.add').set(b);
    f.get(cColumn).i32(nr * bytes).op('i32.add').set(cColumn);
    f.get(nTiles).i32(1).op('i32.sub').tee(nTiles).brIf(0);
  }
  f.end();
}

/** Emits `body(i)` for each row i of a tile, with `cRow` holding that row's address (cTile + i * ldc). */
function forEachRowOfTile(f: FunctionBuilder, cTile: number, cRow: number, ldc: number, mr: number, body: (i: number) => void): void {
  f.get(cTile).set(cRow);
  for (let i = 0; i < mr; i++) {
    if (i > 0) f.get(cRow).get(ldc).op('i32.add').set(cRow);
    body(i);
  }
}

/**
 * Emits `pack_<precision>(dst, src, count, width, depth, laneStride, depthStride)`: copies `count`
 * lanes (rows of A or columns of B) of an operand already in memory into strips of `width` lanes
 * (a multiple of 4, with width * bytes a multiple of 16, as for every tile), each strip stored
 * depth-major, the order gemm reads them in. Lane r at depth p is read from
 * src + r * laneStride + p * depthStride (strides in bytes, any layout). Lanes from `count` up to the
 * next multiple of `width` are zero-filled, so gemm only ever sees whole tiles.
 *
 * Three ways, by layout:
 * - Lanes adjacent in memory (laneStride = bytes: a row-major B, a transposed A): each depth step of
 *   a strip is a contiguous run, copied as v128s. Loop order: groups of strips that one 64-byte line
 *   of a source row spans, then depth, then strips of the group, so that each source line read is
 *   used whole and only a few strips are written at once. (Depth, then all strips, read the source
 *   in order but wrote up to 256 strips at once, whose rows, a power of two apart, evicted each
 *   other from L1: twice as slow as strip by strip for float64.)
 * - Depth adjacent (depthStride = bytes: a row-major A, a transposed B): four lanes at a time, 16
 *   bytes of each loaded as a v128 and transposed in registers with shuffles, so each store writes
 *   a strip row's four values.
 * - Otherwise, and for what the above leave (depths short of a whole v128): four lanes at a time with
 *   scalar loads and stores.
 * Lanes past `count` in a group of four read the group's last lane and are masked to zero, so the
 * last strip takes the paths of the others (LeNet's first weight gradient packs 25 and 6 lanes: it
 * took 646 us with the last lanes copied one at a time, 597 us so).
 */
function emitPack(module: ModuleBuilder, precision: Precision): void {
  const { bytes } = precision;
  const load = precision.name === 'f32' ? 'f32.load' : 'f64.load';
  const store = precision.name === 'f32' ? 'f32.store' : 'f64.store';
  const i32 = ValType.i32;
  const f = module.addFunction([i32, i32, i32, i32, i32, i32, i32], [], `pack_${precision.name}`);
  const [dst, src, count, width, depth, laneStride, depthStride] = [0, 1, 2, 3, 4, 5, 6] as const;
  const lane = f.local(i32);
  const lanes = f.local(i32); // count rounded up to whole strips
  const rowBytes = f.local(i32); // width * bytes: one depth step of a strip
  const stripBytes = f.local(i32);
  const o = f.local(i32); // write pointer
  const end = f.local(i32); // where o stops: the end of the lane's column in its strip
  const p = [f.local(i32), f.local(i32), f.local(i32), f.local(i32)] as const; // read pointers of four lanes
  const valid = [f.local(i32), f.local(i32), f.local(i32), f.local(i32)] as const; // 1 for a lane before `count`
  const mask = [f.local(ValType.v128), f.local(ValType.v128), f.local(ValType.v128), f.local(ValType.v128)] as const; // all ones for a valid lane
  const q = f.local(i32); // byte offset within a strip row, on the contiguous-lanes path
  // On the contiguous-lanes path:
  const wholeBytes = f.local(i32); // bytes of a source row that whole strips cover
  const groupBytes = f.local(i32); // bytes of a source row a group of strips covers
  const g0 = f.local(i32); // the current group's bytes of a source row: [g0, g1)
  const g1 = f.local(i32);
  const wholeEnd = f.local(i32); // where the current group's part of a source row ends
  const step = f.local(i32); // depth steps left
  const v = [f.local(ValType.v128), f.local(ValType.v128), f.local(ValType.v128), f.local(ValType.v128)] as const;
  const t = [f.local(ValType.v128), f.local(ValType.v128), f.local(ValType.v128), f.local(ValType.v128)] as const;
  const perVector = 16 / bytes; // depth steps in one v128 of a lane

  f.get(width).i32(bytes).op('i32.mul').set(rowBytes);
  f.get(rowBytes).get(depth).op('i32.mul').set(stripBytes);
  f.get(count).get(width).op('i32.add').i32(1).op('i32.sub').get(width).op('i32.div_u').get(width).op('i32.mul').set(lanes);

  // Contiguous lanes: all whole strips, a group of them at a time (as many as one 64-byte line of a
  // source row spans), depth by depth within a group. `lane` ends at the first lane left over.
  f.get(laneStride).i32(bytes).op('i32.eq').get(count).get(width).op('i32.ge_u').op('i32.and').if();
  {
    f.get(count).get(width).op('i32.div_u').get(width).op('i32.mul').tee(lane).i32(bytes).op('i32.mul').set(wholeBytes);
    // groupBytes = rowBytes * max(1, 64 / rowBytes)
    f.get(rowBytes).i32(64).get(rowBytes).op('i32.div_u').i32(1).i32(64).get(rowBytes).op('i32.ge_u').op('select').op('i32.mul').set(groupBytes);
    f.i32(0).set(g0);
    f.loop();
    {
      // This group: source bytes [g0, g1) of each row, strips g0 / rowBytes onwards.
      f.get(g0).get(groupBytes).op('i32.add').tee(g1).get(wholeBytes).get(g1).get(wholeBytes).op('i32.lt_u').op('select').set(g1);
      f.get(src).get(g0).op('i32.add').set(p[0]); // the group's part of the current source row
      f.get(dst).get(g0).get(rowBytes).op('i32.div_u').get(stripBytes).op('i32.mul').op('i32.add').set(o); // its first strip's current row
      f.get(depth).set(step);
      f.loop();
      {
        f.get(p[0]).set(p[1]);
        f.get(o).set(p[2]); // the current row of the current strip
        f.get(p[0]).get(g1).get(g0).op('i32.sub').op('i32.add').set(wholeEnd);
        // One strip row (rowBytes) per iteration: the first two v128s unrolled (every tile's rows are
        // 16 or 32 bytes), a loop for any more.
        f.loop();
        {
          f.get(p[2]).get(p[1]).mem('v128.load').mem('v128.store');
          f.get(rowBytes).i32(16).op('i32.ne').if();
          f.get(p[2]).get(p[1]).mem('v128.load', 16).mem('v128.store', 16);
          f.get(rowBytes).i32(32).op('i32.ne').if();
          f.i32(32).set(q);
          f.loop();
          f.get(p[2]).get(q).op('i32.add').get(p[1]).get(q).op('i32.add').mem('v128.load').mem('v128.store');
          f.get(q).i32(16).op('i32.add').tee(q).get(rowBytes).op('i32.lt_u').brIf(0);
          f.end();
          f.end();
          f.end();
          f.get(p[2]).get(stripBytes).op('i32.add').set(p[2]);
          f.get(p[1]).get(rowBytes).op('i32.add').tee(p[1]).get(wholeEnd).op('i32.ne').brIf(0);
        }
        f.end();
        f.get(p[0]).get(depthStride).op('i32.add').set(p[0]);
        f.get(o).get(rowBytes).op('i32.add').set(o);
        f.get(step).i32(1).op('i32.sub').tee(step).brIf(0);
      }
      f.end();
      f.get(g1).tee(g0).get(wholeBytes).op('i32.ne').brIf(0);
    }
    f.end();
  }
  f.end();

  // Then four lanes at a time (`lane` is a multiple of 4 here, so the four lie in one strip). Lanes
  // past `count` read lane count - 1 again and are masked to zero, so that every group takes the
  // same path.
  f.block();
  f.loop();
  {
    f.get(lane).get(lanes).op('i32.eq').brIf(1);
    // o = dst + (lane / width) * stripBytes + (lane % width) * bytes: the top of this lane's column.
    f.get(dst).get(lane).get(width).op('i32.div_u').get(stripBytes).op('i32.mul').op('i32.add');
    f.get(lane).get(width).op('i32.rem_u').i32(bytes).op('i32.mul').op('i32.add').tee(o);
    f.get(stripBytes).op('i32.add').set(end);
    for (let r = 0; r < 4; r++) {
      // valid[r] = lane + r < count; p[r] = src + min(lane + r, count - 1) * laneStride; mask[r] all ones if valid.
      f.get(lane).i32(r).op('i32.add').get(count).op('i32.lt_u').set(valid[r]);
      f.get(src).get(lane).i32(r).op('i32.add').get(count).i32(1).op('i32.sub').get(valid[r]).op('select');
      f.get(laneStride).op('i32.mul').op('i32.add').set(p[r]);
      f.i32(0).get(valid[r]).op('i32.sub').op('i32x4.splat').set(mask[r]);
    }
    f.get(depthStride).i32(bytes).op('i32.eq').if();
    {
      // Depth adjacent: while a whole v128 of depth is left in each lane, load one per lane and
      // transpose the 4 x perVector block in registers.
      f.block();
      f.loop();
      f.get(end).get(o).op('i32.sub').get(rowBytes).i32(perVector).op('i32.mul').op('i32.lt_u').brIf(1);
      for (let r = 0; r < 4; r++) f.get(p[r]).mem('v128.load').get(mask[r]).op('v128.and').set(v[r]);
      emitTranspose(f, precision, v, t, o, rowBytes);
      for (let r = 0; r < 4; r++) f.get(p[r]).i32(16).op('i32.add').set(p[r]);
      f.get(o).get(rowBytes).i32(perVector).op('i32.mul').op('i32.add').set(o);
      f.br(0);
      f.end();
      f.end();
    }
    f.end();
    // The rest of the depth (all of it when depth is not adjacent), one step at a time.
    f.block();
    f.loop();
    f.get(o).get(end).op('i32.eq').brIf(1);
    for (let r = 0; r < 4; r++) {
      f.get(o).get(p[r]).mem(load)[precision.name](0).get(valid[r]).op('select').mem(store, r * bytes);
      f.get(p[r]).get(depthStride).op('i32.add').set(p[r]);
    }
    f.get(o).get(rowBytes).op('i32.add').set(o);
    f.br(0);
    f.end();
    f.end();
    f.get(lane).i32(4).op('i32.add').set(lane);
    f.br(0);
  }
  f.end();
  f.end();
}

/** Byte indices for i8x16.shuffle picking elements `picks` (of `bytes` each; 0..31 over both inputs). */
function pick(picks: readonly number[], bytes: number): number[] {
  return picks.flatMap((element) => Array.from({ length: bytes }, (_, b) => element * bytes + b));
}

/**
 * Stores the transpose of four lanes' v128s `v` (lane r holds 16 / bytes consecutive depths) as
 * strip rows: the four lanes' values at depth d go to o + d * rowBytes. f32: the usual 4 x 4
 * transpose, interleaving pairs of rows then pairs of pairs (8 shuffles). f64: each depth's row is
 * two v128s, (lane 0, lane 1) and (lane 2, lane 3).
 */
function emitTranspose(f: FunctionBuilder, precision: Precision, v: readonly number[], t: readonly number[], o: number, rowBytes: number): void {
  const rowAt = (d: number): void => {
    f.get(o);
    if (d > 0) f.get(rowBytes).i32(d).op('i32.mul').op('i32.add');
  };
  if (precision.name === 'f32') {
    const lo = pick([0, 4, 1, 5], 4); // (x0, y0, x1, y1)
    const hi = pick([2, 6, 3, 7], 4); // (x2, y2, x3, y3)
    f.get(v[0]!).get(v[1]!).shuffle(lo).set(t[0]!);
    f.get(v[0]!).get(v[1]!).shuffle(hi).set(t[1]!);
    f.get(v[2]!).get(v[3]!).shuffle(lo).set(t[2]!);
    f.get(v[2]!).get(v[3]!).shuffle(hi).set(t[3]!);
    const first = pick([0, 1, 4, 5], 4);
    const second = pick([2, 3, 6, 7], 4);
    const rows: [number, number, number[]][] = [[0, 2, first], [0, 2, second], [1, 3, first], [1, 3, second]];
    rows.forEach(([x, y, lanes], d) => {
      rowAt(d);
      f.get(t[x]!).get(t[y]!).shuffle(lanes).mem('v128.store');
    });
  } else {
    for (let d = 0; d < 2; d++) {
      const lanes = pick([d, 2 + d], 8);
      rowAt(d);
      f.get(v[0]!).get(v[1]!).shuffle(lanes).mem('v128.store');
      rowAt(d);
      f.get(v[2]!).get(v[3]!).shuffle(lanes).mem('v128.store', 16);
    }
  }
}

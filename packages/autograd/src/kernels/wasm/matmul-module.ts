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
 * MR + NR values for MR * NR multiply-adds. SIMD128 has no fused multiply-add (relaxed SIMD has, but
 * is behind a flag in Node 20), so each update is a mul then an add.
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
import { FunctionBuilder, ModuleBuilder, ValType, type PlainOp } from './emitter.js';

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

/** The module's bytes, exporting `gemm_f32`, `gemm_f64`, `pack_f32` and `pack_f64`. */
export function matmulModuleBytes(): Uint8Array {
  const module = new ModuleBuilder().importMemory(MEMORY_IMPORT.module, MEMORY_IMPORT.name, 1);
  for (const precision of [F32, F64]) {
    emitGemm(module, precision);
    emitPack(module, precision);
  }
  return module.toBytes();
}

/** Emits `gemm_<precision>` into `module`: the loops over tiles of a packed block, and the micro-kernel. */
function emitGemm(module: ModuleBuilder, precision: Precision): void {
  const { bytes, lanes, tile: { mr, nr } } = precision;
  const vectors = nr / lanes; // v128 per row of the tile
  const mul: PlainOp = precision.name === 'f32' ? 'f32x4.mul' : 'f64x2.mul';
  const add: PlainOp = precision.name === 'f32' ? 'f32x4.add' : 'f64x2.add';
  const splat = precision.name === 'f32' ? 'v128.load32_splat' : 'v128.load64_splat';

  const i32 = ValType.i32;
  const f = module.addFunction([i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], [], `gemm_${precision.name}`);
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
      // and splat each of the MR values of A's column in turn; every accumulator gets one mul and one add.
      f.get(aStrip).tee(pa).get(stripBytesA).op('i32.add').set(aEnd);
      f.get(b).set(pb);
      f.loop();
      for (let v = 0; v < vectors; v++) f.get(pb).mem('v128.load', v * 16).set(bv[v]!);
      for (let i = 0; i < mr; i++) {
        f.get(pa).mem(splat, i * bytes).set(av);
        for (let v = 0; v < vectors; v++) f.get(acc[i]![v]!).get(av).get(bv[v]!).op(mul).op(add).set(acc[i]![v]!);
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
 * (a multiple of 4), each strip stored depth-major, the order gemm reads them in. Lane r at depth p
 * is read from src + r * laneStride + p * depthStride (strides in bytes, any layout). Lanes from
 * `count` up to the next multiple of `width` are zero-filled, so gemm only ever sees whole tiles.
 *
 * Lanes go four at a time: four read pointers advance down the depth together and each step writes
 * four adjacent values of a strip row, so the loop overhead is paid once per four elements.
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

  f.get(width).i32(bytes).op('i32.mul').set(rowBytes);
  f.get(rowBytes).get(depth).op('i32.mul').set(stripBytes);
  f.get(count).get(width).op('i32.add').i32(1).op('i32.sub').get(width).op('i32.div_u').get(width).op('i32.mul').set(lanes);
  f.loop();
  {
    // o = dst + (lane / width) * stripBytes + (lane % width) * bytes: the top of this lane's column.
    f.get(dst).get(lane).get(width).op('i32.div_u').get(stripBytes).op('i32.mul').op('i32.add');
    f.get(lane).get(width).op('i32.rem_u').i32(bytes).op('i32.mul').op('i32.add').tee(o);
    f.get(stripBytes).op('i32.add').set(end);
    f.get(src).get(lane).get(laneStride).op('i32.mul').op('i32.add').set(p[0]);
    f.get(lane).i32(4).op('i32.add').get(count).op('i32.le_u').if();
    {
      // Four whole lanes (they start on a multiple of 4, so they lie in one strip).
      for (let r = 1; r < 4; r++) f.get(p[r - 1]).get(laneStride).op('i32.add').set(p[r]);
      f.loop();
      for (let r = 0; r < 4; r++) f.get(o).get(p[r]).mem(load).mem(store, r * bytes);
      for (let r = 0; r < 4; r++) f.get(p[r]).get(depthStride).op('i32.add').set(p[r]);
      f.get(o).get(rowBytes).op('i32.add').tee(o).get(end).op('i32.ne').brIf(0);
      f.end();
      f.get(lane).i32(4).op('i32.add').set(lane);
    }
    f.else();
    {
      // Near the end: one lane at a time, copied while lane < count, zeros after.
      f.get(lane).get(count).op('i32.lt_u').if();
      f.loop();
      f.get(o).get(p[0]).mem(load).mem(store);
      f.get(p[0]).get(depthStride).op('i32.add').set(p[0]);
      f.get(o).get(rowBytes).op('i32.add').tee(o).get(end).op('i32.ne').brIf(0);
      f.end();
      f.else();
      f.loop();
      f.get(o);
      if (precision.name === 'f32') f.f32(0);
      else f.f64(0);
      f.mem(store);
      f.get(o).get(rowBytes).op('i32.add').tee(o).get(end).op('i32.ne').brIf(0);
      f.end();
      f.end();
      f.get(lane).i32(1).op('i32.add').set(lane);
    }
    f.end();
    f.get(lane).get(lanes).op('i32.ne').brIf(0);
  }
  f.end();
}

/**
 * The WebAssembly module of the LU panel factorization (./lu-wasm.ts runs it): the loop of
 * `luPanel` in ./lu.ts, on the same values in the same order, so the same bits; the axpys two rows
 * at a time on f64x2 (a separate multiply and subtract, rounded as JavaScript rounds them).
 *
 * panel(a, ld, rows, width, left, rowBytes, scratch, columnBytes, pivots): byte addresses and sizes.
 * The panel is the rows x width block at `a` of a row-major matrix whose rows are `ld` bytes apart;
 * `left` is how many bytes of a row lie before the panel and `rowBytes` a whole row's length. The
 * panel is copied column by column into `scratch` (columns `columnBytes` apart; see
 * `panelColumnStride` for why not `rows` x 8), factored there with partial pivoting
 * (whole rows of the matrix swapped with each pivot, so the columns outside the panel see the
 * swaps), and copied back; the row chosen at step k (0-based, relative to the panel's first row) is
 * stored as an i32 at `pivots` + 4 k. A zero pivot skips its column, as LAPACK's getf2.
 */
import { ModuleBuilder, ValType, type FunctionBuilder } from '@nn/autograd/wasm';

/**
 * The distance in float64 between the scratch's columns for a panel of `rows` rows: whole 64-byte
 * lines, an odd number of them. The copy in and out touches one value of every column per row; at
 * a multiple of 4 KiB apart (rows = 256, say: 2 KiB) those values fall into two L1 sets and evict
 * each other, and the copies took 80% of a 256 x 16 panel (29 us against 6 without them).
 */
export function panelColumnStride(rows: number): number {
  const lines = Math.ceil(rows / 8);
  return 8 * (lines % 2 === 0 ? lines + 1 : lines);
}

/** The module's bytes: two exported functions, `panel` and `subtract`. */
export function luPanelModule(): Uint8Array {
  const module = new ModuleBuilder().importMemory('env', 'memory', 1);
  emitPanel(module.addFunction(new Array<ValType>(9).fill(ValType.i32), [], 'panel'));
  emitSubtract(module.addFunction(new Array<ValType>(5).fill(ValType.i32), [], 'subtract'));
  return module.toBytes();
}

/** The instructions that handle two float64 at once (a v128), or one. */
const LANES = {
  2: { load: 'v128.load', store: 'v128.store', mul: 'f64x2.mul', sub: 'f64x2.sub', div: 'f64x2.div' },
  1: { load: 'f64.load', store: 'f64.store', mul: 'f64.mul', sub: 'f64.sub', div: 'f64.div' },
} as const;
type Lanes = (typeof LANES)[1 | 2];

/**
 * Emits `body(LANES[2])` in a loop while two units fit between local `index` and local `limit`
 * (index + 2 unit <= limit), `index` stepping by 2 unit, then `body(LANES[1])` once if one unit is
 * left: a unit is 8 for byte offsets of float64 values, 1 for counts.
 */
function twoThenOne(f: FunctionBuilder, index: number, limit: number, unit: number, body: (lanes: Lanes) => void): void {
  f.block().loop();
  f.get(index).i32(2 * unit).op('i32.add').get(limit).op('i32.gt_u').brIf(1);
  body(LANES[2]);
  f.get(index).i32(2 * unit).op('i32.add').set(index).br(0);
  f.end().end();
  f.get(index).get(limit).op('i32.lt_u').if();
  body(LANES[1]);
  f.end();
}

/**
 * subtract(c, ld, p, rows, cols): C -= P for the rows x cols block at byte address `c` (rows `ld`
 * bytes apart) and the dense row-major P at `p`. As `subtractBlock` in ./blocks.ts (whole blocks:
 * the LU never subtracts a triangle), two values at a time.
 */
function emitSubtract(f: FunctionBuilder): void {
  const [c, ld, p, rows, cols] = [0, 1, 2, 3, 4] as const;
  const [i, x, end, cRow, pRow] = [f.local(ValType.i32), f.local(ValType.i32), f.local(ValType.i32), f.local(ValType.i32), f.local(ValType.i32)];
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).get(rows).op('i32.ge_u').brIf(1);
  f.get(cols).i32(3).op('i32.shl').set(end);
  f.get(c).get(i).get(ld).op('i32.mul').op('i32.add').set(cRow);
  f.get(p).get(i).get(cols).op('i32.mul').i32(3).op('i32.shl').op('i32.add').set(pRow);
  f.i32(0).set(x);
  twoThenOne(f, x, end, 8, (lanes) => {
    f.get(cRow).get(x).op('i32.add');
    f.get(cRow).get(x).op('i32.add').mem(lanes.load);
    f.get(pRow).get(x).op('i32.add').mem(lanes.load);
    f.op(lanes.sub).mem(lanes.store);
  });
  f.get(i).i32(1).op('i32.add').set(i).br(0);
  f.end().end();
}

function emitPanel(f: FunctionBuilder): void {
  const [a, ld, rows, width, left, rowBytes, scratch, columnBytes, pivots] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;
  const i32 = (): number => f.local(ValType.i32);
  const [i, j, k, p, colK, column, x, end, rowK, rowP, nan] = [i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  // The byte addresses of the one or two columns an axpy pass updates.
  const columns = [i32(), i32()] as const;
  const f64 = (): number => f.local(ValType.f64);
  const [best, v, pivot, t] = [f64(), f64(), f64(), f64()];
  const scales = [f64(), f64()] as const;
  const v128 = (): number => f.local(ValType.v128);
  const [u, l] = [v128(), v128()];
  const splats = [v128(), v128()] as const;
  /** Pushes local `base` + local `index` * 8. */
  const element = (base: number, index: number): FunctionBuilder => f.get(base).get(index).i32(3).op('i32.shl').op('i32.add');
  /** Pushes the address of the scratch column whose index is in local `index` (+ `plus`). */
  const scratchColumn = (index: number, plus = 0): FunctionBuilder => {
    f.get(scratch).get(index);
    if (plus !== 0) f.i32(plus).op('i32.add');
    return f.get(columnBytes).op('i32.mul').op('i32.add');
  };
  /** Loops `body` for local `index` from its current value while it is below local `limit` (possibly not at all). */
  const whileBelow = (index: number, limit: number, body: () => void): void => {
    f.block().loop();
    f.get(index).get(limit).op('i32.ge_u').brIf(1);
    body();
    f.get(index).i32(1).op('i32.add').set(index).br(0);
    f.end().end();
  };
  /** Copies the panel between the matrix and the scratch, in the direction `toScratch` says. */
  const copyPanel = (toScratch: boolean): void => {
    const inMatrix = (): FunctionBuilder => f.get(a).get(i).get(ld).op('i32.mul').op('i32.add').get(j).i32(3).op('i32.shl').op('i32.add');
    const inScratch = (): FunctionBuilder => scratchColumn(j).get(i).i32(3).op('i32.shl').op('i32.add');
    f.i32(0).set(i);
    whileBelow(i, rows, () => {
      f.i32(0).set(j);
      whileBelow(j, width, () => {
        if (toScratch) { inScratch(); inMatrix().mem('f64.load').mem('f64.store'); }
        else { inMatrix(); inScratch().mem('f64.load').mem('f64.store'); }
      });
    });
  };
  /** The axpys of `count` scratch columns from column local j: a[i][j] -= l_i * a[k][j] for rows k + 1 .. rows. */
  const updateColumns = (count: 1 | 2): void => {
    const used = columns.slice(0, count);
    used.forEach((address, c) => {
      scratchColumn(j, c).set(address);
      element(address, k).mem('f64.load').tee(scales[c]!).op('f64x2.splat').set(splats[c]!);
    });
    f.get(k).i32(1).op('i32.add').i32(3).op('i32.shl').set(x); // byte offset of row k + 1 in a column
    twoThenOne(f, x, end, 8, (lanes) => {
      const two = lanes === LANES[2];
      f.get(colK).get(x).op('i32.add').mem(lanes.load).set(two ? l : t);
      used.forEach((address, c) => {
        f.get(address).get(x).op('i32.add');
        f.get(address).get(x).op('i32.add').mem(lanes.load);
        f.get(two ? l : t).get(two ? splats[c]! : scales[c]!).op(lanes.mul);
        f.op(lanes.sub).mem(lanes.store);
      });
    });
  };

  copyPanel(true);
  f.get(rows).i32(3).op('i32.shl').set(end); // a column's length in bytes
  f.i32(0).set(k);
  whileBelow(k, width, () => {
    scratchColumn(k).set(colK);
    // The pivot: the first largest |value| at or below the diagonal, or the first NaN below it when
    // there is one (as luPanel's test takes it), so that NaN propagates. The scan only compares and
    // notes whether it met a NaN; the rare column with one is scanned again for the first.
    f.get(k).set(p);
    element(colK, k).mem('f64.load').op('f64.abs').set(best);
    f.i32(0).set(nan);
    f.get(k).i32(1).op('i32.add').set(i);
    whileBelow(i, rows, () => {
      element(colK, i).mem('f64.load').op('f64.abs').tee(v).get(best).op('f64.gt').if().get(v).set(best).get(i).set(p).end();
      f.get(nan).get(v).get(v).op('f64.ne').op('i32.or').set(nan);
    });
    // A NaN on the diagonal stays the pivot (nothing compares greater than it); one below it wins.
    f.get(nan).get(best).get(best).op('f64.eq').op('i32.and').if();
    f.get(k).i32(1).op('i32.add').set(i);
    f.block().loop();
    element(colK, i).mem('f64.load').tee(v).get(v).op('f64.ne').if().get(i).set(p).br(2).end();
    f.get(i).i32(1).op('i32.add').set(i).br(0);
    f.end().end();
    f.end();
    f.get(pivots).get(k).i32(2).op('i32.shl').op('i32.add').get(p).mem('i32.store');
    f.get(p).get(k).op('i32.ne').if();
    // Rows k and p swap in the scratch (width values, a column apart) and whole in the matrix.
    f.i32(0).set(j);
    whileBelow(j, width, () => {
      scratchColumn(j).set(column);
      element(column, k).mem('f64.load').set(t);
      element(column, k); element(column, p).mem('f64.load').mem('f64.store');
      element(column, p).get(t).mem('f64.store');
    });
    f.get(a).get(k).get(ld).op('i32.mul').op('i32.add').get(left).op('i32.sub').set(rowK);
    f.get(a).get(p).get(ld).op('i32.mul').op('i32.add').get(left).op('i32.sub').set(rowP);
    f.i32(0).set(x);
    twoThenOne(f, x, rowBytes, 8, (lanes) => {
      const value = lanes === LANES[2] ? u : t;
      f.get(rowK).get(x).op('i32.add').mem(lanes.load).set(value);
      f.get(rowK).get(x).op('i32.add');
      f.get(rowP).get(x).op('i32.add').mem(lanes.load).mem(lanes.store);
      f.get(rowP).get(x).op('i32.add').get(value).mem(lanes.store);
    });
    f.end();
    element(colK, k).mem('f64.load').tee(pivot).f64(0).op('f64.ne').if();
    // The multipliers l_i = a[i][k] / pivot below the diagonal.
    f.get(pivot).op('f64x2.splat').set(u);
    f.get(k).i32(1).op('i32.add').i32(3).op('i32.shl').set(x);
    twoThenOne(f, x, end, 8, (lanes) => {
      f.get(colK).get(x).op('i32.add');
      f.get(colK).get(x).op('i32.add').mem(lanes.load);
      f.get(lanes === LANES[2] ? u : pivot).op(lanes.div).mem(lanes.store);
    });
    // The columns right of k, two at a time (they share the loads of l), then an odd one.
    f.get(k).i32(1).op('i32.add').set(j);
    twoThenOne(f, j, width, 1, (lanes) => updateColumns(lanes === LANES[2] ? 2 : 1));
    f.end();
  });
  copyPanel(false);
}

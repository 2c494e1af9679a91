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
  emitSubtract(module.addFunction(new Array<ValType>(6).fill(ValType.i32), [], 'subtract'));
  return module.toBytes();
}

/**
 * subtract(c, ld, p, rows, cols, lower): C -= P for the rows x cols block at byte address `c` (rows
 * `ld` bytes apart) and the dense row-major P at `p`; with `lower` non-zero only the entries on and
 * below the block's diagonal. As `subtractBlock` in ./blocks.ts, two values at a time.
 */
function emitSubtract(f: FunctionBuilder): void {
  const [c, ld, p, rows, cols, lower] = [0, 1, 2, 3, 4, 5] as const;
  const [i, x, end, cRow, pRow] = [f.local(ValType.i32), f.local(ValType.i32), f.local(ValType.i32), f.local(ValType.i32), f.local(ValType.i32)];
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).get(rows).op('i32.ge_u').brIf(1);
  f.get(c).get(i).get(ld).op('i32.mul').op('i32.add').set(cRow);
  f.get(p).get(i).get(cols).op('i32.mul').i32(3).op('i32.shl').op('i32.add').set(pRow);
  // The row's end in bytes: cols, or i + 1 when lower and that is fewer.
  f.get(i).i32(1).op('i32.add').get(cols).get(cols).get(i).op('i32.gt_u').get(lower).i32(0).op('i32.ne').op('i32.and').op('select').i32(3).op('i32.shl').set(end);
  f.i32(0).set(x);
  f.block().loop();
  f.get(x).i32(16).op('i32.add').get(end).op('i32.gt_u').brIf(1);
  f.get(cRow).get(x).op('i32.add');
  f.get(cRow).get(x).op('i32.add').mem('v128.load');
  f.get(pRow).get(x).op('i32.add').mem('v128.load');
  f.op('f64x2.sub').mem('v128.store');
  f.get(x).i32(16).op('i32.add').set(x).br(0);
  f.end().end();
  f.get(x).get(end).op('i32.lt_u').if();
  f.get(cRow).get(x).op('i32.add');
  f.get(cRow).get(x).op('i32.add').mem('f64.load');
  f.get(pRow).get(x).op('i32.add').mem('f64.load');
  f.op('f64.sub').mem('f64.store');
  f.end();
  f.get(i).i32(1).op('i32.add').set(i).br(0);
  f.end().end();
}

function emitPanel(f: FunctionBuilder): void {
  const [a, ld, rows, width, left, rowBytes, scratch, columnBytes, pivots] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;
  const i32 = (): number => f.local(ValType.i32);
  const [i, j, k, p, colK, colJ, colJ2, x, y, end, column, nan] = [i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const f64 = (): number => f.local(ValType.f64);
  const [best, v, pivot, t, t2, lScalar] = [f64(), f64(), f64(), f64(), f64(), f64()];
  const [u, u2, l] = [f.local(ValType.v128), f.local(ValType.v128), f.local(ValType.v128)];
  /** Pushes local `base` + local `index` * 8. */
  const element = (base: number, index: number): FunctionBuilder => f.get(base).get(index).i32(3).op('i32.shl').op('i32.add');
  /** Pushes the address of the panel's entry (row local i, column local j) in the matrix. */
  const inMatrix = (): FunctionBuilder => f.get(a).get(i).get(ld).op('i32.mul').op('i32.add').get(j).i32(3).op('i32.shl').op('i32.add');
  /** Pushes the address of the entry (row local i, column local j) in the scratch. */
  const inScratch = (): FunctionBuilder => f.get(scratch).get(j).get(columnBytes).op('i32.mul').op('i32.add').get(i).i32(3).op('i32.shl').op('i32.add');
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
    f.i32(0).set(i);
    whileBelow(i, rows, () => {
      f.i32(0).set(j);
      whileBelow(j, width, () => {
        if (toScratch) { inScratch(); inMatrix().mem('f64.load').mem('f64.store'); }
        else { inMatrix(); inScratch().mem('f64.load').mem('f64.store'); }
      });
    });
  };

  /**
   * Runs `body(2)` for the byte offset local `at` stepping by 16 while two values fit before local
   * `limit`, then `body(1)` once if one is left.
   */
  const pairsThenOdd = (at: number, limit: number, body: (values: 1 | 2) => void): void => {
    f.block().loop();
    f.get(at).i32(16).op('i32.add').get(limit).op('i32.gt_u').brIf(1);
    body(2);
    f.get(at).i32(16).op('i32.add').set(at).br(0);
    f.end().end();
    f.get(at).get(limit).op('i32.lt_u').if();
    body(1);
    f.end();
  };
  /** The axpys of `count` columns from column local j (see the loop over columns below). */
  const updateColumns = (count: 1 | 2): void => {
    const columns = [colJ, colJ2].slice(0, count);
    const scales = [t, t2].slice(0, count);
    const splats = [u, u2].slice(0, count);
    columns.forEach((column, c) => {
      f.get(scratch).get(j).i32(c).op('i32.add').get(columnBytes).op('i32.mul').op('i32.add').set(column);
      element(column, k).mem('f64.load').tee(scales[c]!).op('f64x2.splat').set(splats[c]!);
    });
    f.get(k).i32(1).op('i32.add').i32(3).op('i32.shl').set(x); // byte offset of row k + 1 in a column
    f.get(rows).i32(3).op('i32.shl').set(end);
    pairsThenOdd(x, end, (values) => {
      const [load, store, mul, sub] = values === 2
        ? ['v128.load', 'v128.store', 'f64x2.mul', 'f64x2.sub'] as const
        : ['f64.load', 'f64.store', 'f64.mul', 'f64.sub'] as const;
      f.get(colK).get(x).op('i32.add').mem(load).set(values === 2 ? l : lScalar);
      columns.forEach((column, c) => {
        f.get(column).get(x).op('i32.add');
        f.get(column).get(x).op('i32.add').mem(load);
        f.get(values === 2 ? l : lScalar).get(values === 2 ? splats[c]! : scales[c]!).op(mul);
        f.op(sub).mem(store);
      });
    });
  };

  copyPanel(true);
  f.i32(0).set(k);
  whileBelow(k, width, () => {
    f.get(scratch).get(k).get(columnBytes).op('i32.mul').op('i32.add').set(colK);
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
    // Rows k and p swap in the scratch (width values, a column apart) and whole in the matrix (two at a time, then an odd one).
    f.i32(0).set(j);
    whileBelow(j, width, () => {
      f.get(scratch).get(j).get(columnBytes).op('i32.mul').op('i32.add').set(column);
      element(column, k).mem('f64.load').set(t);
      element(column, k); element(column, p).mem('f64.load').mem('f64.store');
      element(column, p).get(t).mem('f64.store');
    });
    f.get(a).get(k).get(ld).op('i32.mul').op('i32.add').get(left).op('i32.sub').set(x);
    f.get(a).get(p).get(ld).op('i32.mul').op('i32.add').get(left).op('i32.sub').set(y);
    f.get(x).get(rowBytes).op('i32.add').set(end);
    f.block().loop();
    f.get(x).i32(16).op('i32.add').get(end).op('i32.gt_u').brIf(1);
    f.get(x).mem('v128.load').set(u);
    f.get(x).get(y).mem('v128.load').mem('v128.store');
    f.get(y).get(u).mem('v128.store');
    f.get(x).i32(16).op('i32.add').set(x).get(y).i32(16).op('i32.add').set(y).br(0);
    f.end().end();
    f.get(x).get(end).op('i32.lt_u').if();
    f.get(x).mem('f64.load').set(t);
    f.get(x).get(y).mem('f64.load').mem('f64.store');
    f.get(y).get(t).mem('f64.store');
    f.end();
    f.end();
    element(colK, k).mem('f64.load').tee(pivot).f64(0).op('f64.ne').if();
    // The multipliers l_i = a[i][k] / pivot below the diagonal, two at a time then an odd one.
    f.get(pivot).op('f64x2.splat').set(u);
    f.get(k).i32(1).op('i32.add').i32(3).op('i32.shl').set(x);
    f.get(rows).i32(3).op('i32.shl').set(end);
    pairsThenOdd(x, end, (width) => {
      f.get(colK).get(x).op('i32.add');
      f.get(colK).get(x).op('i32.add').mem(width === 2 ? 'v128.load' : 'f64.load');
      if (width === 2) f.get(u).op('f64x2.div').mem('v128.store');
      else f.get(pivot).op('f64.div').mem('f64.store');
    });
    // The columns right of k, two at a time (they share the loads of l) then an odd one:
    // a[i][j] -= l_i * a[k][j] for rows k + 1 .. rows.
    f.get(k).i32(1).op('i32.add').set(j);
    f.block().loop();
    f.get(j).i32(1).op('i32.add').get(width).op('i32.ge_u').brIf(1);
    updateColumns(2);
    f.get(j).i32(2).op('i32.add').set(j).br(0);
    f.end().end();
    f.get(j).get(width).op('i32.lt_u').if();
    updateColumns(1);
    f.end();
    f.end();
  });
  copyPanel(false);
}

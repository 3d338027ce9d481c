/**
 * The batch kernels' cell loop (`addKeyVectors`, key-vectors.ts) in WebAssembly with 128-bit
 * SIMD (key-vectors-simd.wat): an account's key vectors `pre[k·stride + c] = Σ_j size_j ·
 * unit[row_j·stride + c]`, positions of one key in order, four at a time, two cells per
 * instruction. The same additions in the same order as the JavaScript loop, so the same bits
 * (test/engine/key-vectors-simd.test.ts compares both kernels' results with `Object.is`).
 *
 * The module works in its own linear memory, laid out per batch call by `bindSimdTable`:
 * the key vectors `pre` (read back by the kernels through a `Float64Array` view), a copy of
 * the unit table (the instrument table's rows, or the readings' distinct columns), and a
 * staging window of the book's positions (rows as i32, sizes as f64) copied in blocks. The
 * table is copied at every bind (a tick may have re-priced it in place since), so a batch
 * call never reads a stale table; `SIMD_MIN_ACCOUNTS` keeps small calls on JavaScript,
 * where the copy would cost more than it saves.
 *
 * JavaScript stays the reference and the fallback: without WebAssembly or its SIMD
 * (`WebAssembly.validate` of the module fails) every call runs the JS loop.
 */
import type { AccountBook } from './account-book.ts';
import { KEY_VECTORS_SIMD_WASM } from './key-vectors-simd-wasm.ts';

/** Fewest accounts in one batch call for `auto` to use the SIMD loop (table copy ≈ 20–150 µs). */
export const SIMD_MIN_ACCOUNTS = 512;

/** Which cell loop a scratch uses: `auto` (SIMD when available and the call is large), `js`, `wasm`. */
export type CellKernel = 'auto' | 'js' | 'wasm';

type AddRun = (
  pre: number,
  unit: number,
  stride: number,
  rows: number,
  sizes: number,
  n: number,
  first: number,
) => void;

/** The pinned kernel's one-key account pipeline over a staged block (account-block-simd.ts); returns how many accounts it finished. */
type MarginBlock = (header: number, n: number) => number;

/**
 * The module's finish steps alone, for the tests: `roundAt(x, 10^d)` (`roundDecimalsFast`'s
 * fast path, NaN off it), `utilization(im, equity)`, `health(im, mm, equity)` (the health
 * rules of the last header `marginBlock` read).
 */
export interface FinishParts {
  roundAt(x: number, scale: number): number;
  utilization(im: number, equity: number): number;
  health(im: number, mm: number, equity: number): number;
}

/** The parts of the WebAssembly API used here (the project's lib has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    mod: object,
    imports: object,
  ) => { exports: { memory: WasmMemory; addRun: AddRun; marginBlock: MarginBlock } & FinishParts };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** One instance of the SIMD loop and its memory layout (byte offsets). */
export interface SimdKeyVectors {
  readonly memory: WasmMemory;
  readonly addRun: AddRun;
  readonly marginBlock: MarginBlock;
  readonly finishParts: FinishParts;
  /** Key vectors, `pre[k·stride + c]` (a view of the memory, renewed by each bind). */
  pre: Float64Array;
  stride: number;
  unitOff: number;
  /** Room reserved by the bind between the table and the staging window (`extraBytes`). */
  extraOff: number;
  rowsOff: number;
  sizesOff: number;
  /** Staging window: book positions `stagedFrom .. stagedTo` at `rowsOff`, `sizesOff`. */
  stageCap: number;
  stagedFrom: number;
  stagedTo: number;
  rows: Int32Array;
  sizes: Float64Array;
}

let compiled: object | null | undefined;

/** The compiled module, or null when this runtime has no WebAssembly SIMD (checked once). */
function simdModule(): object | null {
  if (compiled !== undefined) return compiled;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const bin = atob(KEY_VECTORS_SIMD_WASM);
  const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  compiled = wasm && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  return compiled;
}

/** Whether the SIMD loop can run here (WebAssembly with 128-bit SIMD). */
export function simdAvailable(): boolean {
  return simdModule() !== null;
}

/** A new instance (own memory), or null when SIMD is unavailable. */
export function simdKeyVectors(): SimdKeyVectors | null {
  const mod = simdModule();
  if (!mod) return null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
  const { memory, addRun, marginBlock, roundAt, utilization, health } = new wasm.Instance(mod, {})
    .exports;
  return {
    memory,
    addRun,
    marginBlock,
    finishParts: { roundAt, utilization, health },
    pre: new Float64Array(0),
    stride: 0,
    unitOff: 0,
    extraOff: 0,
    rowsOff: 0,
    sizesOff: 0,
    stageCap: 0,
    stagedFrom: 0,
    stagedTo: 0,
    rows: new Int32Array(0),
    sizes: new Float64Array(0),
  };
}

/** Positions in the staging window (more only while an account alone needs more). */
export const STAGE_POSITIONS = 16_384;
const PAGE = 65_536;

/**
 * Lays out the memory for `nKeys` key vectors of `stride` cells over `unit` (`stride` cells
 * per row), copies `unit` in, reserves `extraBytes` after it (at `w.extraOff`), and empties
 * the staging window (room for `stagePositions`).
 */
export function bindSimdTable(
  w: SimdKeyVectors,
  unit: Float64Array,
  stride: number,
  nKeys: number,
  stagePositions = STAGE_POSITIONS,
  extraBytes = 0,
): void {
  const align = (x: number) => Math.ceil(x / 16) * 16;
  w.stride = stride;
  w.unitOff = align(nKeys * stride * 8);
  w.extraOff = align(w.unitOff + unit.length * 8);
  w.sizesOff = align(w.extraOff + extraBytes);
  layoutStage(w, nKeys, stagePositions);
  new Float64Array(w.memory.buffer, w.unitOff, unit.length).set(unit);
}

/** Places the staging window after the table (growing the memory) and renews the views. */
function layoutStage(w: SimdKeyVectors, nKeys: number, stagePositions: number): void {
  w.rowsOff = w.sizesOff + stagePositions * 8;
  const need = w.rowsOff + stagePositions * 4;
  const have = w.memory.buffer.byteLength;
  if (need > have) w.memory.grow(Math.ceil((need - have) / PAGE));
  const buf = w.memory.buffer;
  w.pre = new Float64Array(buf, 0, nKeys * w.stride);
  w.sizes = new Float64Array(buf, w.sizesOff, stagePositions);
  w.rows = new Int32Array(buf, w.rowsOff, stagePositions);
  w.stageCap = stagePositions;
  w.stagedFrom = 0;
  w.stagedTo = 0;
}

/**
 * Makes account `a`'s positions resident in the staging window, copying from its first
 * position up to `ahead` (the end of the positions the call will read next, at least the
 * account's own); returns the book index of the window's first position.
 */
export function stageAccount(
  w: SimdKeyVectors,
  book: AccountBook,
  a: number,
  ahead: number,
): number {
  const j0 = book.ptr[a]!;
  const j1 = book.ptr[a + 1]!;
  if (j0 >= w.stagedFrom && j1 <= w.stagedTo) return w.stagedFrom;
  if (j1 - j0 > w.stageCap) layoutStage(w, w.pre.length / w.stride, j1 - j0);
  const end = Math.max(j1, Math.min(ahead, j0 + w.stageCap));
  if (end - j0 <= 64) {
    // One account (lists): element copies, cheaper than two subarray views and `set`.
    const { rows, sizes } = w;
    for (let j = j0; j < end; j++) {
      rows[j - j0] = book.row[j]!;
      sizes[j - j0] = book.size[j]!;
    }
  } else {
    w.rows.set(book.row.subarray(j0, end));
    w.sizes.set(book.size.subarray(j0, end));
  }
  w.stagedFrom = j0;
  w.stagedTo = end;
  return j0;
}

/**
 * `addKeyVectors` (key-vectors.ts) of account `a` into `w.pre`: runs of one key found here,
 * each added by the SIMD loop (a key's first run starts its vector). `ahead`: see
 * `stageAccount`. Returns the new key count.
 */
export function addKeyVectorsSimd(
  w: SimdKeyVectors,
  rowKey: Int32Array,
  book: AccountBook,
  a: number,
  ahead: number,
  touched: Uint8Array,
  keyList: Int32Array,
  nKeys: number,
): number {
  const base = stageAccount(w, book, a, ahead);
  const rows = book.row;
  const end = book.ptr[a + 1]!;
  const bytes = w.stride * 8;
  let j = book.ptr[a]!;
  while (j < end) {
    const k = rowKey[rows[j]!]!;
    let e = j + 1;
    while (e < end && rowKey[rows[e]!] === k) e++;
    let first = 0;
    if (touched[k] === 0) {
      touched[k] = 1;
      keyList[nKeys++] = k;
      first = 1;
    }
    const x = j - base;
    w.addRun(k * bytes, w.unitOff, w.stride, w.rowsOff + 4 * x, w.sizesOff + 8 * x, e - j, first);
    j = e;
  }
  return nKeys;
}

/** A scratch's cell-loop choice and its SIMD instance (made on first use; null: unavailable). */
export interface CellLoop {
  readonly kernel: CellKernel;
  simd: SimdKeyVectors | null | undefined;
}

/**
 * The SIMD instance to use for a batch call margining `n` accounts over `unit` (`stride`
 * cells per row, `nKeys` key vectors), bound and with the table copied (`extraBytes` reserved,
 * see `bindSimdTable`); null for the JavaScript loop (`js`, `auto` below `SIMD_MIN_ACCOUNTS`,
 * or no WebAssembly SIMD here).
 */
export function simdFor(
  loop: CellLoop,
  n: number,
  unit: Float64Array,
  stride: number,
  nKeys: number,
  extraBytes = 0,
): SimdKeyVectors | null {
  if (loop.kernel === 'js' || (loop.kernel === 'auto' && n < SIMD_MIN_ACCOUNTS)) return null;
  if (loop.simd === undefined) loop.simd = simdKeyVectors();
  if (!loop.simd) return null;
  bindSimdTable(loop.simd, unit, stride, nKeys, STAGE_POSITIONS, extraBytes);
  return loop.simd;
}

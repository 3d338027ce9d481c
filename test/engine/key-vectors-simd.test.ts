import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { buildAccountBook, type AccountBook } from '../../src/engine/account-book.ts';
import { batchScratch, marginAccounts } from '../../src/engine/deribit-pm-batch.ts';
import { addKeyVectors } from '../../src/engine/key-vectors.ts';
import {
  addKeyVectorsSimd,
  bindSimdTable,
  simdAvailable,
  simdKeyVectors,
  type CellKernel,
} from '../../src/engine/key-vectors-simd.ts';
import { KEY_VECTORS_SIMD_WASM } from '../../src/engine/key-vectors-simd-wasm.ts';
import {
  buildReadingTables,
  marginAccountsOverReadings,
  tickReadings,
  type ReadingTables,
} from '../../src/engine/reading-tables.ts';
import { batchResults, type BatchResults } from '../../src/engine/results.ts';
import { syntheticAccounts } from '../../src/engine/synthetic.ts';
import { applyTickToTable } from '../../src/engine/ticks.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';
import { assembleWat, KEY_VECTORS_WASM_TS, KEY_VECTORS_WAT } from '../../scripts/wasm-assemble.ts';

// The WebAssembly SIMD cell loop (engine/key-vectors-simd.ts) against the JavaScript loop it
// replaces in the batch kernels (key-vectors.ts, the reference): every result array the same
// bits (`Object.is`) on random books of real listed instruments, coin and USDC pools, sizes
// past the delta-shock threshold, entry prices, for the pinned kernel and the default over the
// hypothesis readings (the 136-column shared kernel), over ranges and account lists, staging
// windows and after ticks re-price the tables in place.
const snapshot = realSnapshot();
const instruments = [
  ...realInstruments(),
  ...['BTC_USDC-PERPETUAL', 'BTC_USDC'].map((s) => parseSymbol(s, 'deribit')),
];
const market = prepareDeribitPm(snapshot, deribitPmModel.defaultParams);
const rt = buildReadingTables(market, instruments);
const table = rt.tables[0]!;

const pos = fc.record({
  i: fc.nat(),
  size: fc.double({ min: -100, max: 100, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
  entry: fc.option(fc.double({ min: 40000, max: 100000, noNaN: true }), { nil: undefined }),
});
const account = fc.record({
  positions: fc.uniqueArray(pos, {
    minLength: 0,
    maxLength: 12,
    selector: (p) => p.i % instruments.length,
  }),
  scale: fc.constantFrom(1, 1, 20),
  btc: fc.double({ min: -2, max: 400, noNaN: true }),
  usdc: fc.double({ min: -1e5, max: 2e7, noNaN: true }),
});
type Account = typeof account extends fc.Arbitrary<infer T> ? T : never;

function bookOf(accs: Account[]): AccountBook {
  const inputs = accs.map((x, a) => ({
    id: `a${a}`,
    portfolio: portfolio(
      x.positions.map((p) => ({
        instrument: instruments[p.i % instruments.length]!,
        size: p.size * x.scale,
        ...(p.entry === undefined ? {} : { entryPrice: p.entry }),
      })),
      [
        { currency: 'BTC', amount: x.btc },
        { currency: 'USDC', amount: x.usdc },
      ],
    ),
  }));
  return buildAccountBook(table, inputs, snapshot);
}

/** Runs the pinned kernel or the readings layer with a scratch of the given cell loop. */
function run(
  kernel: CellKernel,
  book: AccountBook,
  readings: ReadingTables | null,
  list?: Int32Array,
): { res: BatchResults; usedSimd: boolean } {
  const t = readings ? readings.tables[0]! : table;
  const s = batchScratch(t, kernel);
  const res = batchResults(book.nAccounts);
  const n = list ? list.length : book.nAccounts;
  if (readings) marginAccountsOverReadings(readings, book, res, 0, n, s, list);
  else marginAccounts(t, book, res, 0, n, s, list);
  return { res, usedSimd: !!s.cells.simd };
}

/** Counts the (array, account) values compared; throws on the first differing bit. */
function sameBits(x: BatchResults, y: BatchResults): number {
  let n = 0;
  for (const k of Object.keys(x) as (keyof BatchResults)[])
    x[k].forEach((v, a) => {
      if (!Object.is(v, y[k][a])) throw new Error(`${k}[${a}]: ${v} (wasm) vs ${y[k][a]} (js)`);
      n++;
    });
  return n;
}

describe('WebAssembly SIMD cell loop', () => {
  it('the committed module is the assembled key-vectors-simd.wat (npm run wasm:build)', async () => {
    const bytes = await assembleWat(KEY_VECTORS_WAT);
    const committed = Uint8Array.from(atob(KEY_VECTORS_SIMD_WASM), (c) => c.charCodeAt(0));
    expect(committed.length).toBeGreaterThan(100);
    expect(Buffer.from(committed).equals(Buffer.from(bytes))).toBe(true);
    expect(readFileSync(KEY_VECTORS_WASM_TS, 'utf8')).toContain(KEY_VECTORS_SIMD_WASM.slice(0, 80));
  });

  it('runs here (Node 20 has WebAssembly SIMD), so the comparisons below exercise it', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('random books: pinned kernel and default over the readings, same bits as JS', () => {
    let values = 0;
    let accounts = 0;
    fc.assert(
      fc.property(fc.array(account, { minLength: 1, maxLength: 10 }), (accs) => {
        const book = bookOf(accs);
        for (const readings of [null, rt]) {
          const w = run('wasm', book, readings);
          expect(w.usedSimd).toBe(true);
          values += sameBits(w.res, run('js', book, readings).res);
        }
        accounts += book.nAccounts;
      }),
      { numRuns: 80, seed: 81 },
    );
    expect(accounts).toBeGreaterThan(300);
    expect(values).toBe(accounts * 2 * 8);
  });

  it('random books: the key vectors themselves, same bits (pinned table and 136 columns)', () => {
    // The results round IM to 9 decimals, which can hide a last-bit difference in a vector.
    const nK = table.keys.names.length;
    let cells = 0;
    let fours = 0;
    fc.assert(
      fc.property(fc.array(account, { minLength: 1, maxLength: 10 }), (accs) => {
        const book = bookOf(accs);
        const D = rt.columns.meta[0]!;
        for (const [unit, stride] of [
          [table.rows.unit, table.rows.nCells],
          [rt.columns.cols.subarray(0, table.rows.nRows * D), D],
        ] as const) {
          const w = simdKeyVectors()!;
          bindSimdTable(w, unit, stride, nK);
          const pre = new Float64Array(nK * stride);
          for (let a = 0; a < book.nAccounts; a++) {
            const [t1, t2] = [new Uint8Array(nK), new Uint8Array(nK)];
            const [l1, l2] = [new Int32Array(nK), new Int32Array(nK)];
            const n = addKeyVectorsSimd(w, table.rows.key, book, a, 0, t1, l1, 0);
            const { ptr, row, size } = book;
            const from = ptr[a]!;
            const end = ptr[a + 1]!;
            addKeyVectors(pre, unit, stride, table.rows.key, row, size, from, end, t2, l2, 0);
            if (end - from >= 4) fours++;
            for (let i = 0; i < n; i++)
              for (let c = 0; c < stride; c++) {
                const o = l1[i]! * stride + c;
                if (!Object.is(w.pre[o], pre[o]))
                  throw new Error(`account ${a} key ${l1[i]} cell ${c}: ${w.pre[o]} vs ${pre[o]}`);
                cells++;
              }
          }
        }
      }),
      { numRuns: 60, seed: 82 },
    );
    expect(fours).toBeGreaterThan(100);
    expect(cells).toBeGreaterThan(50_000);
  });

  it('a synthetic book over several staging windows, as a range and as a list', () => {
    const book = syntheticAccounts(table, { accounts: 4000, positions: 10, seed: 7 });
    expect(book.ptr[book.nAccounts]).toBeGreaterThan(2 * 16_384);
    const list = Int32Array.from({ length: 1500 }, (_, i) => (i * 7919) % book.nAccounts);
    for (const readings of [null, rt]) {
      const auto = run('auto', book, readings);
      expect(auto.usedSimd).toBe(true);
      expect(sameBits(auto.res, run('js', book, readings).res)).toBe(4000 * 8);
      const w = run('wasm', book, readings, list);
      const j = run('js', book, readings, list);
      expect(sameBits(w.res, j.res)).toBe(4000 * 8);
      expect(Array.from(list).filter((a) => w.res.initialMargin[a]! > 0).length).toBeGreaterThan(
        1000,
      );
    }
  });

  it('a staging window smaller than an account grows; the vectors equal addKeyVectors', () => {
    const book = syntheticAccounts(table, { accounts: 3, positions: 12, seed: 2 });
    const w = simdKeyVectors()!;
    const nK = table.keys.names.length;
    const nC = table.rows.nCells;
    bindSimdTable(w, table.rows.unit, nC, nK, 4);
    const pre = new Float64Array(nK * nC);
    for (let a = 0; a < 3; a++) {
      const touched = new Uint8Array(nK);
      const n = addKeyVectorsSimd(w, table.rows.key, book, a, 0, touched, new Int32Array(nK), 0);
      const t2 = new Uint8Array(nK);
      const list = new Int32Array(nK);
      const { ptr, row, size } = book;
      addKeyVectors(
        pre,
        table.rows.unit,
        nC,
        table.rows.key,
        row,
        size,
        ptr[a]!,
        ptr[a + 1]!,
        t2,
        list,
        0,
      );
      expect(w.stageCap).toBeGreaterThanOrEqual(12);
      for (let i = 0; i < n; i++)
        for (let c = 0; c < nC; c++) {
          const k = list[i]!;
          expect(Object.is(w.pre[k * nC + c], pre[k * nC + c])).toBe(true);
        }
    }
  });

  it('after ticks re-price the tables in place, each call copies the new table: same bits', () => {
    const own = buildReadingTables(market, instruments);
    const t = own.tables[0]!;
    const book = syntheticAccounts(t, { accounts: 600, positions: 10, seed: 4 });
    // One scratch (one SIMD instance, its table copy) per path, used before and after ticks.
    const scratch = [batchScratch(t, 'wasm'), batchScratch(t, 'wasm')];
    const margin = (path: number, kernel: CellKernel): BatchResults => {
      const res = batchResults(book.nAccounts);
      const s = kernel === 'js' ? batchScratch(t, 'js') : scratch[path]!;
      if (path === 1) marginAccountsOverReadings(own, book, res, 0, book.nAccounts, s);
      else marginAccounts(t, book, res, 0, book.nAccounts, s);
      return res;
    };
    const before = [margin(0, 'wasm'), margin(1, 'wasm')];
    let m0 = market;
    let markets = own.markets;
    const btc = snapshot.underlyings.BTC!;
    for (const [k, move] of [0.8, 1.25].entries()) {
      const tick = {
        timeMs: snapshot.asOfMs + 1000 * (k + 1),
        underlying: 'BTC',
        index: btc.index * move,
        forwards: new Map<number, number>(),
        atmVolShift: new Map<number, number>(),
      };
      const moved = applyTickToTable(m0, t, tick);
      markets = tickReadings(own, markets, moved.market, tick);
      m0 = moved.market;
      for (const path of [0, 1]) {
        const w = margin(path, 'wasm');
        expect(sameBits(w, margin(path, 'js'))).toBe(600 * 8);
        expect(w.initialMargin.some((x, a) => x !== before[path]!.initialMargin[a])).toBe(true);
      }
    }
  });
});

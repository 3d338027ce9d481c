import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import type { DeribitPmParams } from '../../src/margin/deribit-pm/params.ts';
import { buildInstrumentTable, type InstrumentTable } from '../../src/engine/instrument-table.ts';
import { buildAccountBook, type AccountBook } from '../../src/engine/account-book.ts';
import {
  accumulate,
  batchScratch,
  deltaShockOf,
  keyRoll,
  keyWorstCases,
  marginAccounts,
} from '../../src/engine/deribit-pm-batch.ts';
import { simdFor, type CellKernel } from '../../src/engine/key-vectors-simd.ts';
import {
  accountBlockBytes,
  accountBlockLayout,
  accountBlockViews,
  bindAccountBlock,
  BLOCK_ACCOUNTS,
  OUT_EQUITY,
  OUT_IM,
  OUT_LONG,
  OUT_MM,
  OUT_ROLL,
  OUT_SHORT,
  OUT_TOTAL,
  OUT_UTIL,
  OUT_VALUE,
  OUT_WC,
  stageAccountBlock,
} from '../../src/engine/account-block-simd.ts';
import { batchResults, type BatchResults } from '../../src/engine/results.ts';
import { healthState, STATE_ERROR, STATE_MARGIN_CALL } from '../../src/engine/health-state.ts';
import { roundDecimalsFast } from '../../src/margin/deribit-pm/params.ts';
import { utilization } from '../../src/margin/margin-result.ts';
import { syntheticAccounts } from '../../src/engine/synthetic.ts';
import { portfolio, type Position } from '../../src/risk/portfolio.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';
import { loadSnapshotFile } from '../../src/io/load-market.ts';

// The pinned kernel's one-key account pipeline in WebAssembly (key-vectors-simd.wat
// `marginBlock`, account-block-simd.ts, deribit-pm-batch.ts `marginBlocks`) against the
// JavaScript pipeline (the reference): every result the same bits (`Object.is`), and for every
// one-key account every intermediate the same bits — each aggregated cell, the worst case and
// its cell, the roll, the three delta-shock sums, the pool value — on random books of real
// listed instruments (coin and USDC pools, one and several keys, futures with and without
// entry prices, sizes past the delta-shock threshold, empty and bad accounts) under the
// default rules and the rule switches the module reads (gain offset and cap in both orders,
// dampener gains, per-instrument roll, H2 and no delta shock, joint pools, account inputs);
// for the accounts the module finishes (one pool, H1 or no delta shock, fast rounding) also
// equity, IM, MM, utilization and state, and its rounding, utilization and health state
// alone against the JavaScript functions at their edges.
const snapshot = realSnapshot();
const instruments = [
  ...realInstruments(),
  ...['BTC_USDC-PERPETUAL', 'BTC_USDC', 'BTC-29MAR24'].map((s) => parseSymbol(s, 'deribit')),
];

function withRules(
  rules: Partial<DeribitPmParams['rules']>,
  offset?: { pnl_offset: number; max_offsetable_pnl: number },
): DeribitPmParams {
  const d = deribitPmModel.defaultParams;
  const currency = Object.fromEntries(
    Object.entries(d.model_params.currency).map(([k, v]) => [k, { ...v, ...offset }]),
  );
  return {
    ...d,
    model_params: { ...d.model_params, currency },
    rules: { ...d.rules, ...rules },
  } as DeribitPmParams;
}

const gains = { pnl_offset: 0.5, max_offsetable_pnl: 50_000 };
const variants: [string, DeribitPmParams][] = [
  ['default rules', deribitPmModel.defaultParams],
  ['gain offset, cap before offset', withRules({}, gains)],
  [
    'cap after offset, no dampener gains, per-instrument roll, H2, joint',
    withRules(
      {
        gainCapOrder: 'after-offset',
        dampenerGains: 'none',
        rollShockOptions: 'per-instrument',
        deltaShock: 'H2',
        multiPairAggregation: 'joint',
      },
      gains,
    ),
  ],
  [
    'no delta shock, sign-aware gains with offset, account inputs (open orders, MMP, spot)',
    {
      ...withRules({ deltaShock: 'off' }, gains),
      account: {
        btc: { open_orders_margin: 0.25, mmp_margin: 0.125, spot_margin: 0.0625 },
        usdc: { open_orders_margin: 1500, mmp_margin: 700, spot_margin: 300 },
      },
    } as DeribitPmParams,
  ],
];
const tables = variants.map(
  ([, p]) => [buildInstrumentTable(prepareDeribitPm(snapshot, p), instruments), p] as const,
);

/** Instruments by pool, the expired future last (a row in error: its holders are errors). */
const coin = instruments.filter(
  (i) => i.settlementCurrency === 'BTC' && i.symbol !== 'BTC-29MAR24',
);
const usdc = instruments.filter((i) => i.settlementCurrency !== 'BTC');
const expired = instruments.find((i) => i.symbol === 'BTC-29MAR24')!;

const pos = fc.record({
  i: fc.nat(),
  size: fc.double({ min: -50, max: 50, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
  entry: fc.option(fc.double({ min: 40000, max: 100000, noNaN: true }), { nil: undefined }),
});
const account = fc.record({
  // 0, 1: coin pool only (one key); 2: USDC only; 3: both pools; 4: empty; 5: bad.
  shape: fc.constantFrom(0, 0, 1, 2, 3, 4, 5),
  positions: fc.array(pos, { minLength: 1, maxLength: 14 }),
  scale: fc.constantFrom(1, 1, 30),
  btc: fc.double({ min: -2, max: 400, noNaN: true }),
  usdc: fc.double({ min: -1e5, max: 2e7, noNaN: true }),
  // Collateral only in the positions' pool (one pool: the module finishes the account).
  ownPoolOnly: fc.boolean(),
});
type Account = typeof account extends fc.Arbitrary<infer T> ? T : never;

function bookOf(t: InstrumentTable, accs: Account[]): AccountBook {
  const inputs = accs.map((x, a) => {
    const from = x.shape === 2 ? usdc : x.shape === 3 ? [...coin, ...usdc] : coin;
    const seen = new Set<string>();
    const positions: Position[] = [];
    if (x.shape !== 4)
      for (const p of x.positions) {
        const inst = from[p.i % from.length]!;
        if (seen.has(inst.symbol)) continue;
        seen.add(inst.symbol);
        positions.push({
          instrument: inst,
          size: p.size * x.scale,
          ...(p.entry === undefined ? {} : { entryPrice: p.entry }),
        });
      }
    if (x.shape === 5) positions.push({ instrument: expired, size: 1 });
    return {
      id: `a${a}`,
      portfolio: portfolio(positions, [
        { currency: 'BTC', amount: x.ownPoolOnly && x.shape === 2 ? 0 : x.btc },
        { currency: 'USDC', amount: x.ownPoolOnly && x.shape < 2 ? 0 : x.usdc },
      ]),
    };
  });
  return buildAccountBook(t, inputs, snapshot);
}

function run(
  t: InstrumentTable,
  kernel: CellKernel,
  book: AccountBook,
  list?: Int32Array,
): BatchResults {
  const res = batchResults(book.nAccounts);
  const n = list ? list.length : book.nAccounts;
  marginAccounts(t, book, res, 0, n, batchScratch(t, kernel), list);
  return res;
}

/** Counts the values compared; throws on the first differing bit. */
function sameBits(x: BatchResults, y: BatchResults): number {
  let n = 0;
  for (const k of Object.keys(x) as (keyof BatchResults)[])
    x[k].forEach((v, a) => {
      if (!Object.is(v, y[k][a])) throw new Error(`${k}[${a}]: ${v} (block) vs ${y[k][a]} (js)`);
      n++;
    });
  return n;
}

/** Whether account a is one the module margins (no error, positions, one key). */
function oneKey(t: InstrumentTable, book: AccountBook, a: number): boolean {
  if (book.errors.has(a) || book.ptr[a] === book.ptr[a + 1]) return false;
  const k = t.rows.key[book.row[book.ptr[a]!]!]!;
  for (let j = book.ptr[a]!; j < book.ptr[a + 1]!; j++)
    if (t.rows.key[book.row[j]!] !== k) return false;
  return true;
}

/** Accounts the module finished (state ≥ 0) in `intermediates` calls. */
const finished = { n: 0, usdShocked: 0 };

/**
 * Each one-key account of `book` alone through `marginBlock`, against the JavaScript
 * pipeline's intermediates (JS cell loop, `keyWorstCases`, `positionSums`, `keyRoll`), and
 * for an account the module finished (state ≥ 0, counted in `finished`) its equity, IM, MM,
 * utilization and state against the JavaScript pipeline's results. Returns the number of
 * values compared.
 */
function intermediates(t: InstrumentTable, book: AccountBook): number {
  const ref = run(t, 'js', book);
  const nC = t.rows.nCells;
  const s = batchScratch(t, 'wasm');
  const js = batchScratch(t, 'js');
  const w = simdFor(s.cells, 1, t.rows.unit, nC, t.keys.names.length, accountBlockBytes(t))!;
  const b = bindAccountBlock(w, t);
  let n = 0;
  for (let a = 0; a < book.nAccounts; a++) {
    if (!oneKey(t, book, a)) continue;
    expect(stageAccountBlock(w, b, book, a, a + 1)).toBe(a + 1);
    w.marginBlock(b.header, 1);
    const v = accountBlockViews(w, b);
    const agg = new Float64Array(w.memory.buffer, b.agg, nC);
    const nKeys = accumulate(t, book, a, js, null);
    expect(nKeys).toBe(1);
    keyWorstCases(t, js, nKeys);
    const k = js.keyList[0]!;
    const p = t.keys.pool[k]!;
    const B = BLOCK_ACCOUNTS;
    const want: [string, number, number][] = [
      ['key', v.key[0]!, k],
      ['cell', v.cell[0]!, js.keyCell[k]!],
      ['worst', v.out[OUT_WC * B]!, 0 + js.keyWorst[k]!],
      ['roll', v.out[OUT_ROLL * B]!, 0 + keyRoll(t, js, k)],
      ['total', v.out[OUT_TOTAL * B]!, js.total[k]!],
      ['oneAndShort', v.out[OUT_SHORT * B]!, js.oneAndShort[k]!],
      ['longOptions', v.out[OUT_LONG * B]!, js.longOptions[k]!],
      ['value', v.out[OUT_VALUE * B]!, js.poolValue[p]!],
      ...Array.from(
        agg,
        (x, c) => [`cell ${c}`, x, js.agg[k * nC + c]!] as [string, number, number],
      ),
    ];
    if (v.state[0]! >= 0) {
      finished.n++;
      if (t.keys.usdScale[k] !== 1 && deltaShockOf(t, js, k) > 0) finished.usdShocked++;
      want.push(
        ['equity', v.out[OUT_EQUITY * B]!, ref.equity[a]!],
        ['IM', v.out[OUT_IM * B]!, ref.initialMargin[a]!],
        ['MM', v.out[OUT_MM * B]!, ref.maintenanceMargin[a]!],
        ['utilization', v.out[OUT_UTIL * B]!, ref.utilization[a]!],
        ['state', v.state[0]!, ref.state[a]!],
      );
    }
    for (const [name, got, exp] of want)
      if (!Object.is(got, exp))
        throw new Error(`account ${a} ${name}: ${got} (block) vs ${exp} (js)`);
    n += want.length;
    js.keyTouched[k] = 0;
    js.poolTouched[p] = 0;
  }
  return n;
}

describe('one-key accounts in WebAssembly (marginBlock) equal the JavaScript pipeline', () => {
  for (const [v, [name]] of variants.entries())
    it(`${name}: random books, every result and intermediate the same bits`, () => {
      const [t] = tables[v]!;
      let values = 0;
      let inBlock = 0;
      let accounts = 0;
      let errors = 0;
      finished.n = 0;
      fc.assert(
        fc.property(fc.array(account, { minLength: 1, maxLength: 12 }), (accs) => {
          const book = bookOf(t, accs);
          const res = run(t, 'wasm', book);
          values += sameBits(res, run(t, 'js', book));
          // The same accounts as a list (a tick's holders), in reverse order.
          const list = Int32Array.from(
            { length: book.nAccounts },
            (_, a) => book.nAccounts - 1 - a,
          );
          expect(sameBits(run(t, 'wasm', book, list), res)).toBe(book.nAccounts * 8);
          values += intermediates(t, book);
          for (let a = 0; a < book.nAccounts; a++) if (oneKey(t, book, a)) inBlock++;
          accounts += book.nAccounts;
          for (let a = 0; a < book.nAccounts; a++) if (res.state[a] === STATE_ERROR) errors++;
        }),
        { numRuns: 40, seed: 90 + v },
      );
      expect(accounts).toBeGreaterThan(150);
      expect(inBlock).toBeGreaterThan(accounts / 3);
      expect(inBlock).toBeLessThan(accounts);
      expect(errors).toBeGreaterThan(0);
      expect(values).toBe(accounts * 8 + inBlock * (8 + t.rows.nCells) + finished.n * 5);
      // H2 is finished in JavaScript; otherwise most one-key accounts in the module.
      if (t.rules.deltaShock === 'H2') expect(finished.n).toBe(0);
      else expect(finished.n).toBeGreaterThan(inBlock / 5);
    });

  it('sizes past the delta-shock threshold charge it, and the module gives the same bits', () => {
    // The threshold at 300k USD (≈ 5 BTC): USD-pool accounts of 6–14 BTC are past it with an
    // IM of ~100k USD, where the fast rounding mostly holds (y = IM·1e9 ≈ 1e14: within
    // 1e-15·y = 0.1 of a half goes to JavaScript), so the module charges their USD-scaled H1
    // shock itself.
    const d = deribitPmModel.defaultParams;
    const pairs = Object.fromEntries(
      Object.entries(d.model_params.currency_pair).map(([k, v]) => [
        k,
        { ...v, delta_total_liq_shock_threshold: 3e5 },
      ]),
    );
    const params = {
      ...d,
      model_params: { ...d.model_params, currency_pair: pairs },
    } as DeribitPmParams;
    const t = buildInstrumentTable(prepareDeribitPm(snapshot, params), instruments);
    const big: Account[] = Array.from({ length: 40 }, (_, a) => ({
      shape: a % 3 === 0 ? 2 : (0 as Account['shape']),
      positions: Array.from({ length: 6 }, (_, i) => ({
        i: a * 7 + i * 13,
        size: a % 3 === 0 ? 0.1 + 0.05 * (a % 4) : 40,
        entry: undefined,
      })),
      scale: 30 as const,
      btc: 100,
      usdc: 1e6,
      ownPoolOnly: a % 2 === 0,
    }));
    const book = bookOf(t, big);
    const s = batchScratch(t, 'js');
    let shocked = 0;
    let usdShocked = 0;
    for (let a = 0; a < book.nAccounts; a++) {
      const nKeys = accumulate(t, book, a, s, null);
      const k = s.keyList[0]!;
      if (Math.abs(s.total[k]!) * t.keys.index[k]! > t.keys.deltaThreshold[k]!) {
        shocked++;
        if (t.keys.usdScale[k] !== 1) usdShocked++;
      }
      for (let i = 0; i < nKeys; i++) {
        keyRoll(t, s, s.keyList[i]!);
        s.keyTouched[s.keyList[i]!] = 0;
        s.poolTouched[t.keys.pool[s.keyList[i]!]!] = 0;
      }
    }
    expect(shocked).toBeGreaterThan(10);
    expect(usdShocked).toBeGreaterThan(4);
    expect(sameBits(run(t, 'wasm', book), run(t, 'js', book))).toBe(40 * 8);
    finished.n = 0;
    finished.usdShocked = 0;
    expect(intermediates(t, book)).toBeGreaterThan(40 * 40);
    expect(finished.usdShocked).toBeGreaterThan(2);
    expect(finished.n).toBeGreaterThan(10); // the H1 shock and IM in the module
  });

  it('full blocks: 2,048 eight-position accounts fill the staging window, the layout ends before it', () => {
    // The coin pool alone (margin-pool.test.ts's table): its layout's base is off the 64-byte
    // line, where the row records' alignment pads it.
    const t = buildInstrumentTable(
      prepareDeribitPm(snapshot, deribitPmModel.defaultParams),
      realInstruments(),
    );
    for (const base of [0, 16, 32, 48, 1040])
      expect(accountBlockLayout(t, base).end - base).toBeLessThanOrEqual(accountBlockBytes(t));
    const book = syntheticAccounts(t, { accounts: 3000, positions: 8, seed: 3 });
    expect(BLOCK_ACCOUNTS * 8).toBe(16_384); // the block's last pointer and the window's first row
    const [x, y] = [batchResults(3000), batchResults(3000)];
    marginAccounts(t, book, x, 0, 3000, batchScratch(t, 'wasm'));
    marginAccounts(t, book, y, 0, 3000, batchScratch(t, 'js'));
    expect(sameBits(x, y)).toBe(3000 * 8);
  });

  it('a synthetic book over several blocks and staging windows: a range from an offset, a list', () => {
    const [t] = tables[0]!;
    const book = syntheticAccounts(t, { accounts: 9000, positions: 10, seed: 3 });
    expect(book.ptr[book.nAccounts]).toBeGreaterThan(4 * 16_384);
    const [x, y] = [batchResults(9000), batchResults(9000)];
    marginAccounts(t, book, x, 17, 8990, batchScratch(t, 'wasm'));
    marginAccounts(t, book, y, 17, 8990, batchScratch(t, 'js'));
    expect(sameBits(x, y)).toBe(9000 * 8);
    expect(Array.from(x.initialMargin.subarray(17, 8990)).every((im) => im > 0)).toBe(true);
    // A list over several blocks (3,000 of the 9,000 accounts), against the JS pipeline.
    const list = Int32Array.from({ length: 3000 }, (_, i) => (i * 7919) % 9000);
    const [lw, lj] = [run(t, 'wasm', book, list), run(t, 'js', book, list)];
    expect(sameBits(lw, lj)).toBe(9000 * 8);
    expect(Array.from(list).every((a) => lw.initialMargin[a]! > 0)).toBe(true);
  });
  it('a pool of two keys: the block copy gives each account its pool, not its key', () => {
    // BTC and ETH USDC perpetuals: keys BTC/USDC (0) and ETH/USDC (1), one pool USDC (0). A
    // whole block of ETH_USDC holders (key 1, pool 0) is finished in the module and copied.
    const two = loadSnapshotFile('examples/btc-eth-snapshot.json');
    const perps = ['BTC_USDC-PERPETUAL', 'ETH_USDC-PERPETUAL'].map((s) =>
      parseSymbol(s, 'deribit'),
    );
    const t = buildInstrumentTable(prepareDeribitPm(two, deribitPmModel.defaultParams), perps);
    expect([...t.keys.pool.subarray(0, 2)]).toEqual([0, 0]);
    const n = 3000;
    const inputs = Array.from({ length: n }, (_, a) => ({
      id: `e${a}`,
      portfolio: portfolio(
        [{ instrument: perps[1]!, size: ((a % 37) - 18) * 0.7 || 1 }],
        [{ currency: 'USDC', amount: 1e4 + 97 * a }],
      ),
    }));
    const book = buildAccountBook(t, inputs, two);
    const [x, y] = [batchResults(n), batchResults(n)];
    marginAccounts(t, book, x, 0, n, batchScratch(t, 'wasm'));
    marginAccounts(t, book, y, 0, n, batchScratch(t, 'js'));
    expect(sameBits(x, y)).toBe(n * 8);
    expect([...new Set(x.currency)]).toEqual([0]);
    expect([...new Set(x.worstKey)]).toEqual([1]);
    expect(Array.from(x.initialMargin).every((im) => im > 0)).toBe(true);
  });
});

describe('keys the module leaves to JavaScript', () => {
  it('a key of more than 64 option expiry groups (the module’s group mask) goes through JavaScript, same bits', () => {
    const [t0] = tables[0]!;
    // The table with 60 more (unused) groups after key 0's: rows keep their group within the key.
    const extra = 60;
    const g1 = t0.keys.groupStart[1]!;
    const groupMove = new Float64Array(t0.keys.groupMove.length + extra);
    groupMove.set(t0.keys.groupMove.subarray(0, g1));
    groupMove.fill(0.01, g1, g1 + extra);
    groupMove.set(t0.keys.groupMove.subarray(g1), g1 + extra);
    const groupStart = t0.keys.groupStart.map((g, k) => (k === 0 ? g : g + extra));
    const t: InstrumentTable = { ...t0, keys: { ...t0.keys, groupStart, groupMove } };
    expect(groupStart[1]! - groupStart[0]!).toBeGreaterThan(64);
    const accs: Account[] = Array.from({ length: 30 }, (_, a) => ({
      shape: (a % 3 === 2 ? 2 : 0) as Account['shape'],
      positions: Array.from({ length: 8 }, (_, i) => ({
        i: a * 5 + i * 11,
        size: 1 + i,
        entry: undefined,
      })),
      scale: 1 as const,
      btc: 10,
      usdc: 1e5,
      ownPoolOnly: false,
    }));
    const book = bookOf(t, accs);
    const w = simdFor(
      batchScratch(t, 'wasm').cells,
      1,
      t.rows.unit,
      t.rows.nCells,
      t.keys.names.length,
      accountBlockBytes(t),
    )!;
    const b = bindAccountBlock(w, t);
    expect(stageAccountBlock(w, b, book, 0, book.nAccounts)).toBe(book.nAccounts);
    w.marginBlock(b.header, book.nAccounts);
    const keys = accountBlockViews(w, b).key;
    let left = 0;
    let kept = 0;
    for (let a = 0; a < book.nAccounts; a++) {
      if (!oneKey(t, book, a)) continue;
      const k = t.rows.key[book.row[book.ptr[a]!]!]!;
      if (k === 0) {
        expect(keys[a]).toBe(-1);
        left++;
      } else {
        expect(keys[a]).toBe(k);
        kept++;
      }
    }
    expect(left).toBeGreaterThan(10);
    expect(kept).toBeGreaterThan(3);
    expect(sameBits(run(t, 'wasm', book), run(t, 'js', book))).toBe(30 * 8);
  });
});

describe('the module’s finish steps equal the JavaScript functions, edges included', () => {
  const [t] = tables[0]!;
  const w = simdFor(
    batchScratch(t, 'wasm').cells,
    1,
    t.rows.unit,
    t.rows.nCells,
    t.keys.names.length,
    accountBlockBytes(t),
  )!;
  w.marginBlock(bindAccountBlock(w, t).header, 0); // reads the header: the health rules
  const f = w.finishParts;

  it('roundAt: roundDecimalsFast bit for bit where it stays on the fast path; ties leave it', () => {
    const xs = [0, -0, 2.5, -2.5, 0.125, 1.0000000005, 123456.7890123455, 3.999e6, 4.2e6, 1e20];
    const rng = fc.sample(fc.double({ min: -1e7, max: 1e7, noNaN: true }), {
      numRuns: 3000,
      seed: 7,
    });
    let fast = 0;
    for (const d of [0, 2, 3, 9])
      for (const x of [...xs, ...rng, ...rng.map((y) => y / 1e6)]) {
        const got = f.roundAt(x, 10 ** d);
        if (Number.isNaN(got)) continue;
        fast++;
        if (!Object.is(got, roundDecimalsFast(x, d))) throw new Error(`round(${x}, ${d}): ${got}`);
      }
    expect(fast).toBeGreaterThan(15_000);
    // Math.round rounds a half up, f64.nearest to even: the module leaves exact halves to JS.
    expect(f.roundAt(2.5, 1)).toBeNaN();
    expect(f.roundAt(0.5, 1)).toBeNaN();
    expect(f.roundAt(Infinity, 1)).toBeNaN();
    expect(f.roundAt(NaN, 1)).toBeNaN();
  });

  it('utilization and health state over a grid with the thresholds hit exactly', () => {
    const special = [0, -0, 1, -1, 1e-300, Infinity, -Infinity, NaN];
    let n = 0;
    for (const im of [...special, 240, 300, 300.0000001, 239.99, 80])
      for (const eq of [...special, 300, 100, 2, -5, 1e9])
        for (const mm of [...special, 100, 300, 301, 50, 100 / 3]) {
          if (!Object.is(f.health(im, mm, eq), healthState(im, mm, eq)))
            throw new Error(`health(${im}, ${mm}, ${eq})`);
          n++;
        }
    for (const im of special)
      for (const eq of special)
        if (!Object.is(f.utilization(im, eq), utilization(im, eq)))
          throw new Error(`utilization(${im}, ${eq})`);
    expect(n).toBeGreaterThan(2000);
    // the rules' edges: IM utilization exactly 0.8 (margin call), 1 (not reduce-only), MM exactly at equity
    expect(healthState(240, 50, 300)).toBe(STATE_MARGIN_CALL);
    expect(f.health(240, 50, 300)).toBe(STATE_MARGIN_CALL);
    expect(f.health(239.99, 50, 300)).toBe(healthState(239.99, 50, 300));
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { combinePools } from '../../src/margin/combine.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { buildInstrumentTable } from '../../src/engine/instrument-table.ts';
import {
  buildAccountBook,
  collateralPools,
  type AccountInput,
} from '../../src/engine/account-book.ts';
import { batchScratch, marginAccounts } from '../../src/engine/deribit-pm-batch.ts';
import { buildReadingTables, marginAccountsOverReadings } from '../../src/engine/reading-tables.ts';
import { pinnedDeribitParams } from '../helpers/pinned.ts';
import { batchResults } from '../../src/engine/results.ts';
import { STATE_ERROR, STATE_NAMES } from '../../src/engine/health-state.ts';
import { accountHealth } from '../../src/account/health.ts';
import { portfolio, type Position } from '../../src/risk/portfolio.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';
import type { DeribitPmParams } from '../../src/margin/deribit-pm/params.ts';

// The batch kernel against `deribitPmModel.evaluate` + `combinePools` (what `ballast margin
// --json` prints) on random books of real listed instruments, coin and USDC pools.
const snapshot = realSnapshot();
const instruments = [
  ...realInstruments(),
  parseSymbol('BTC_USDC-PERPETUAL', 'deribit'),
  parseSymbol('BTC_USDC', 'deribit'),
];

const rel = (a: number, b: number) =>
  a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

const pos = fc.record({
  i: fc.integer({ min: 0, max: instruments.length - 1 }),
  size: fc.double({ min: -30, max: 30, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
  entry: fc.option(fc.double({ min: 40000, max: 100000, noNaN: true }), { nil: undefined }),
});
// Balances exactly 0 (no pool) or not, and USDT, where no instrument settles: a pool of
// collateral only (margin/book.ts `settlementPools`), given to the table as a collateral pool.
const amount = (min: number, max: number) =>
  fc.oneof(fc.constant(0), fc.double({ min, max, noNaN: true }));
const account = fc.record({
  positions: fc.uniqueArray(pos, { minLength: 0, maxLength: 10, selector: (p) => p.i }),
  btc: amount(-2, 40),
  usdc: amount(-1e5, 2e6),
  usdt: amount(-1e5, 1e5),
});

function runBatch(
  params: DeribitPmParams,
  books: { positions: Position[]; btc: number; usdc: number; usdt: number }[],
  overReadings = false,
) {
  const market = prepareDeribitPm(snapshot, params);
  const inputs: AccountInput[] = books.map((b, a) => ({
    id: `a${a}`,
    portfolio: portfolio(b.positions, [
      { currency: 'BTC', amount: b.btc },
      { currency: 'USDC', amount: b.usdc },
      { currency: 'USDT', amount: b.usdt },
    ]),
  }));
  const collateral = collateralPools(inputs, snapshot);
  const readings = overReadings
    ? buildReadingTables(market, instruments, false, collateral)
    : undefined;
  const table = readings
    ? readings.tables[0]!
    : buildInstrumentTable(market, instruments, false, collateral);
  const book = buildAccountBook(table, inputs, snapshot);
  const res = batchResults(book.nAccounts);
  // The WebAssembly SIMD cell loop (the JS loop's bits: test/engine/key-vectors-simd.test.ts).
  const s = batchScratch(table, 'wasm');
  if (readings) marginAccountsOverReadings(readings, book, res, 0, book.nAccounts, s);
  else marginAccounts(table, book, res, 0, book.nAccounts, s);
  return { table, book, res, inputs };
}

/**
 * The kernel (one table: the params' reading) against `evaluate` with every hypothesis rule
 * pinned at that reading; with `overReadings`, the reading-tables layer against the default
 * `evaluate` (the highest over the readings).
 */
function checkAgainstEvaluate(
  params: DeribitPmParams,
  numRuns: number,
  overReadings = false,
): number {
  const evalParams = overReadings ? params : pinnedDeribitParams(params);
  let compared = 0;
  fc.assert(
    fc.property(fc.array(account, { minLength: 1, maxLength: 6 }), (accs) => {
      const books = accs.map((x) => ({
        positions: x.positions.map((p) => ({
          instrument: instruments[p.i]!,
          size: p.size,
          ...(p.entry === undefined ? {} : { entryPrice: p.entry }),
        })),
        btc: x.btc,
        usdc: x.usdc,
        usdt: x.usdt,
      }));
      const { table, res, inputs } = runBatch(params, books, overReadings);
      inputs.forEach((inp, a) => {
        const pools = deribitPmModel.evaluate(inp.portfolio!, snapshot, evalParams);
        const c = combinePools('deribit-pm', '1.0.0', pools, snapshot);
        expect(rel(res.equity[a]!, c.equity)).toBeLessThanOrEqual(1e-12);
        expect(rel(res.initialMargin[a]!, c.initialMargin)).toBeLessThanOrEqual(1e-12);
        expect(rel(res.maintenanceMargin[a]!, c.maintenanceMargin)).toBeLessThanOrEqual(1e-12);
        expect(res.currency[a]! < 0 ? 'USD' : table.pools.currencies[res.currency[a]!]).toBe(
          c.currency,
        );
        if (pools.length === 1 && c.worstScenario) {
          const k = res.worstKey[a]!;
          expect(table.keys.cellIds[k]![res.worstCell[a]!]).toBe(c.worstScenario.id);
        }
        // The account's state is its most severe pool's (account/health.ts), not the USD totals'.
        // A book without positions or collateral has no pool to liquidate.
        const want = pools.length === 0 ? 'healthy' : accountHealth(pools, snapshot).state;
        expect(STATE_NAMES[res.state[a]!]).toBe(want);
        compared++;
      });
    }),
    { numRuns },
  );
  return compared;
}

describe('deribit-pm batch engine equals evaluate (≤ 1e-12 relative)', () => {
  it('default rules, random books', () => {
    expect(checkAgainstEvaluate(deribitPmModel.defaultParams, 60)).toBeGreaterThan(60);
  });
  it('non-default rules: gain offset with cap, joint pools, per-instrument roll, H2, bs delta', () => {
    const d = deribitPmModel.defaultParams;
    const mp = d.model_params;
    const params: DeribitPmParams = {
      ...d,
      model_params: {
        ...mp,
        currency: Object.fromEntries(
          Object.entries(mp.currency).map(([k, v]) => [
            k,
            { ...v, pnl_offset: 0.5, max_offsetable_pnl: 50000 },
          ]),
        ),
      },
      rules: {
        ...d.rules,
        multiPairAggregation: 'joint',
        rollShockOptions: 'per-instrument',
        rollShockOptionDelta: 'bs',
        deltaShock: 'H2',
        gainCapOrder: 'after-offset',
        dampenerGains: 'none',
        rollShockTime: 'linear',
      },
    };
    expect(checkAgainstEvaluate(params, 30)).toBeGreaterThan(30);
  });
  it('default (highest over the hypothesis readings): reading tables equal evaluate', () => {
    expect(checkAgainstEvaluate(deribitPmModel.defaultParams, 25, true)).toBeGreaterThan(25);
  }, 300_000);
});

describe('bad accounts are errors, never healthy; the batch goes on', () => {
  it('unknown / expired instrument, NaN and absurd size, duplicate id, unpriced collateral', () => {
    const params = deribitPmModel.defaultParams;
    const market = prepareDeribitPm(snapshot, params);
    const expired = parseSymbol('BTC-29MAR24', 'deribit');
    const table = buildInstrumentTable(market, [...instruments, expired]);
    const good = portfolio(
      [{ instrument: instruments[0]!, size: 1 }],
      [{ currency: 'BTC', amount: 3 }],
    );
    const other = parseSymbol('BTC-27DEC24-50000-C', 'deribit');
    const inputs: AccountInput[] = [
      { id: 'ok', portfolio: good },
      { id: 'unknown', portfolio: portfolio([{ instrument: other, size: 1 }]) },
      { id: 'expired', portfolio: portfolio([{ instrument: expired, size: 1 }]) },
      {
        id: 'nan',
        portfolio: { positions: [{ instrument: instruments[1]!, size: NaN }], balances: [] },
      },
      { id: 'absurd', portfolio: portfolio([{ instrument: instruments[1]!, size: 1e7 }]) },
      { id: 'ok', portfolio: good },
      {
        id: 'collateral',
        portfolio: portfolio(
          [{ instrument: instruments[0]!, size: 1 }],
          [{ currency: 'DOGE', amount: 5 }],
        ),
      },
      { id: 'malformed', error: { code: 'MALFORMED_JSON', field: 'line 8', message: 'bad JSON' } },
      { id: 'ok2', portfolio: good },
    ];
    const book = buildAccountBook(table, inputs, snapshot);
    const res = batchResults(book.nAccounts);
    expect(marginAccounts(table, book, res, 0, book.nAccounts)).toBe(inputs.length);
    const states = Array.from(res.state, (x) => STATE_NAMES[x]);
    expect(states).toEqual([
      'healthy',
      'error',
      'error',
      'error',
      'error',
      'error',
      'error',
      'error',
      'healthy',
    ]);
    expect(res.state[1]).toBe(STATE_ERROR);
    const e = (a: number) => book.errors.get(a)!;
    expect(e(1).field).toBe('positions[0].instrument');
    expect(e(2)).toMatchObject({ code: 'EXPIRED', field: 'positions[0].instrument' });
    expect(e(3)).toMatchObject({ code: 'NOT_FINITE', field: 'positions[0].size' });
    expect(e(4)).toMatchObject({ code: 'INVALID_INPUT', field: 'positions[0].size' });
    expect(e(5)).toMatchObject({ field: 'id' });
    expect(e(6)).toMatchObject({ code: 'INVALID_INPUT', field: 'balances[0].currency' });
    expect(e(7).code).toBe('MALFORMED_JSON');
    const ok = deribitPmModel.evaluate(good, snapshot, params)[0]!;
    expect(res.initialMargin[8]).toBe(ok.initialMargin);
  });
});

describe('roundFast equals roundDecimals (toFixed) to the bit', () => {
  it('random magnitudes, exact halves and near-halves, USD and coin sizes', async () => {
    const { roundFast } = await import('../../src/engine/deribit-pm-batch.ts');
    const { roundDecimals } = await import('../../src/margin/deribit-pm/params.ts');
    let n = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: -1e7, max: 1e7, noNaN: true }),
          fc.integer({ min: -1e12, max: 1e12 }).map((k) => (k + 0.5) / 1e9),
          fc.integer({ min: 0, max: 1e9 }).map((k) => k / 1e9 + 5e-10),
        ),
        fc.integer({ min: 0, max: 12 }),
        (x, d) => {
          expect(Object.is(roundFast(x, d), roundDecimals(x, d))).toBe(true);
          n++;
        },
      ),
      { numRuns: 20000 },
    );
    expect(n).toBe(20000);
  });
});

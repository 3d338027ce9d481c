import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { buildAccountBook, type AccountInput } from '../../src/engine/account-book.ts';
import { applyTickToTable } from '../../src/engine/ticks.ts';
import {
  buildReadingTables,
  marginAccountsOverReadings,
  tickReadings,
  type ReadingTables,
} from '../../src/engine/reading-tables.ts';
import { batchResults, type BatchResults } from '../../src/engine/results.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { Instrument } from '../../src/instruments/instrument.ts';
import { pinReadings } from '../../src/margin/hypotheses.ts';
import { DERIBIT_PM_HYPOTHESES } from '../../src/margin/deribit-pm/hypotheses.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// The shared-readings kernel (engine/readings-kernel.ts over engine/reading-columns.ts)
// against the per-reading passes it replaces (one kernel pass per reading's table, selected
// by clearing `columns.meta[1]`): the same bits on random books of real listed instruments,
// coin and USDC pools, sizes large enough for the delta shock (H1 and H2 readings), before
// and after a tick. The per-reading passes equal `evaluate` at the default
// (test/engine/deribit-pm-batch.test.ts).
const snapshot = realSnapshot();
const usdcOptions = snapshot.underlyings
  .BTC!.surface.filter((s) => s.T > 7 / 365)
  .slice(0, 3)
  .flatMap((s) => {
    const d = new Date(s.expiryMs);
    const day = `${d.getUTCDate()}${d.toLocaleString('en', { month: 'short', timeZone: 'UTC' }).toUpperCase()}${String(d.getUTCFullYear()).slice(2)}`;
    return [`BTC_USDC-${day}-60000-C`, `BTC_USDC-${day}-65000-P`];
  });
const instruments = [
  ...realInstruments(),
  ...['BTC_USDC-PERPETUAL', 'BTC_USDC', ...usdcOptions].map((s) => parseSymbol(s, 'deribit')),
];
const market = prepareDeribitPm(snapshot, deribitPmModel.defaultParams);

const pos = fc.record({
  /** Index into the instrument list, taken modulo its length. */
  i: fc.nat(),
  size: fc.double({ min: -100, max: 100, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
  entry: fc.option(fc.double({ min: 40000, max: 100000, noNaN: true }), { nil: undefined }),
});
const account = fc.record({
  positions: fc.uniqueArray(pos, {
    minLength: 0,
    maxLength: 10,
    selector: (p) => p.i % instruments.length,
  }),
  /** ×20: books past the delta-shock threshold (20M USD of 2·Σ|size|·index). */
  scale: fc.constantFrom(1, 1, 20),
  btc: fc.double({ min: -2, max: 400, noNaN: true }),
  usdc: fc.double({ min: -1e5, max: 2e7, noNaN: true }),
});

type Account = typeof account extends fc.Arbitrary<infer T> ? T : never;

function inputsOf(accs: Account[], list: readonly Instrument[] = instruments): AccountInput[] {
  return accs.map((x, a) => ({
    id: `a${a}`,
    portfolio: portfolio(
      x.positions.map((p) => ({
        instrument: list[p.i % list.length]!,
        size: p.size * x.scale,
        ...(p.entry === undefined ? {} : { entryPrice: p.entry }),
      })),
      [
        { currency: 'BTC', amount: x.btc },
        { currency: 'USDC', amount: x.usdc },
      ],
    ),
  }));
}

/** Results of both paths on the same book. */
function bothPaths(
  rt: ReadingTables,
  inputs: AccountInput[],
  snap = snapshot,
): [BatchResults, BatchResults] {
  const book = buildAccountBook(rt.tables[0]!, inputs, snap);
  const shared = batchResults(book.nAccounts);
  marginAccountsOverReadings(rt, book, shared, 0, book.nAccounts);
  const saved = rt.columns.meta[1]!;
  rt.columns.meta[1] = 0;
  const perReading = batchResults(book.nAccounts);
  marginAccountsOverReadings(rt, book, perReading, 0, book.nAccounts);
  rt.columns.meta[1] = saved;
  return [shared, perReading];
}

function expectSameBits(x: BatchResults, y: BatchResults): void {
  for (const k of Object.keys(x) as (keyof BatchResults)[])
    x[k].forEach((v, a) =>
      expect(Object.is(v, y[k][a]), `${k}[${a}]: ${v} vs ${y[k][a]}`).toBe(true),
    );
}

describe('shared readings kernel equals the per-reading passes (same bits)', () => {
  const rt = buildReadingTables(market, instruments);

  it('the priced tables share columns, and each stored column is its table cell, every row', () => {
    const rc = rt.columns;
    const nC = rt.tables[0]!.rows.nCells;
    const D = rc.meta[0]!;
    expect(rc.meta[1]).toBe(1);
    expect(rc.priced.length).toBeGreaterThan(1);
    expect(D).toBeLessThan(rc.priced.length * nC);
    rc.priced.forEach((k, i) => {
      const { unit, nRows } = rt.tables[k]!.rows;
      for (let c = 0; c < nC; c++)
        for (let r = 0; r < nRows; r++)
          if (!Object.is(rc.cols[r * D + rc.colOf[i * nC + c]!], unit[r * nC + c]))
            throw new Error(`table ${k} cell ${c} row ${r}`);
    });
  });

  it('random books: equity, IM, MM, utilization, state, currency, worst key and cell', () => {
    // The same books with deltaShock pinned at H1: where the default charges more, an H2
    // reading set the maximum (so the sample exercises the H2 views).
    const h1 = pinReadings(DERIBIT_PM_HYPOTHESES, market.params, { deltaShock: 'H1' }, 'h');
    const rtH1 = buildReadingTables(prepareDeribitPm(snapshot, h1), instruments);
    let setByH2 = 0;
    fc.assert(
      fc.property(fc.array(account, { minLength: 1, maxLength: 8 }), (accs) => {
        const inputs = inputsOf(accs);
        const [shared, perReading] = bothPaths(rt, inputs);
        expectSameBits(shared, perReading);
        const [pinned] = bothPaths(rtH1, inputs);
        shared.initialMargin.forEach((im, a) => {
          if (shared.state[a] !== 4 && im > pinned.initialMargin[a]!) setByH2++;
        });
      }),
      { numRuns: 120, seed: 8 },
    );
    expect(setByH2).toBeGreaterThan(5);
  });

  it('after ticks re-price the tables, the refreshed columns still give the same bits', () => {
    const own = buildReadingTables(market, instruments);
    let m0 = market;
    let markets = own.markets;
    const accs = fc.sample(fc.array(account, { minLength: 20, maxLength: 20 }), {
      numRuns: 1,
      seed: 3,
    })[0]!;
    const btc = snapshot.underlyings.BTC!;
    for (const [k, move] of [0.7, 1.3, 0.95].entries()) {
      const tick = {
        timeMs: snapshot.asOfMs + 1000 * (k + 1),
        underlying: 'BTC',
        index: btc.index * move,
        forwards: new Map<number, number>(),
        atmVolShift: new Map([[Math.floor(btc.surface[2]!.expiryMs / 864e5) * 864e5, 0.3]]),
      };
      const moved = applyTickToTable(m0, own.tables[0]!, tick);
      markets = tickReadings(own, markets, moved.market, tick);
      m0 = moved.market;
      const [shared, perReading] = bothPaths(own, inputsOf(accs));
      expectSameBits(shared, perReading);
      expect(shared.state.some((s) => s !== 4)).toBe(true);
    }
  });

  it('joint pools [G] over two underlyings (ETH a copy of BTC): same bits', () => {
    const snap = {
      ...snapshot,
      underlyings: { ...snapshot.underlyings, ETH: snapshot.underlyings.BTC! },
    };
    const d = deribitPmModel.defaultParams;
    const params = { ...d, rules: { ...d.rules, multiPairAggregation: 'joint' as const } };
    const both = [
      ...instruments,
      ...instruments.map((i) => parseSymbol(i.symbol.replace(/^BTC/, 'ETH'), 'deribit')),
    ];
    const rtJoint = buildReadingTables(prepareDeribitPm(snap, params), both);
    expect(rtJoint.tables[0]!.rules.joint).toBe(true);
    expect(rtJoint.tables[0]!.keys.names.length).toBe(4);
    let multiKey = 0;
    fc.assert(
      fc.property(fc.array(account, { minLength: 1, maxLength: 8 }), (accs) => {
        const inputs = inputsOf(accs, both);
        const [shared, perReading] = bothPaths(rtJoint, inputs, snap);
        expectSameBits(shared, perReading);
        multiKey += inputs.filter(
          (x) => new Set(x.portfolio!.positions.map((p) => p.instrument.underlying)).size > 1,
        ).length;
      }),
      { numRuns: 60, seed: 5 },
    );
    expect(multiKey).toBeGreaterThan(20);
  });
});

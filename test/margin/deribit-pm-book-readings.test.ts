// The readings' shared work at the fail-closed default (book-readings.ts) and the incremental
// what-if on it (book-trades.ts, book-equity.ts, fast-results.ts):
// - `deribitPmModel.evaluate` (shared readings) gives the same bits as evaluating each reading
//   (`evaluateOverReadings` with the per-reading evaluations), report included;
// - random trade sequences on prepared books (held and new instruments, closed positions,
//   trades that open a rule, a pool or a key, or cross the delta-shock threshold) equal
//   re-evaluation to 1e-12 relative, and each trade takes the path an independent oracle
//   predicts (incremental unless it opens a pool/key or changes the readings charged),
//   with both paths counted;
// - on the incremental path, `inputsHash` and `unverified` are read without building the
//   after-trade report (no pool evaluation: book-notes.ts, the hash of the traded book) and
//   equal re-evaluation's (hash exact, notes exact but for the vol-cell-tie tolerance below);
// - the one-trade path (`keysAfterOneTrade`: no key copied, the worst cases taken as the trade
//   is summed in, shocks read with the position changed or inserted) gives the same bits as the general path (`keysAfterTrades`: the key
//   copied, the trade added, `keySums`) for held, closed and new instruments (new expiries),
//   and so does the pools' equity after one option trade (`equityAfterOneTrade`);
// - `roundDecimalsFast` equals `roundDecimals` to the bit.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isOptionLike, type Instrument } from '../../src/instruments/instrument.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import {
  buildPoolKeys,
  deribitPmModel,
  evaluateDefault,
  evaluatePoolKeys,
  evaluatePrepared,
  poolMargins,
  prepareDeribitPmBook,
  deribitPmInputsHash,
  DERIBIT_PM_UNVERIFIED,
} from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareBook } from '../../src/margin/deribit-pm/prepared-book.ts';
import type { DeribitPmDetails } from '../../src/margin/deribit-pm/report.ts';
import {
  equityAfterOneTrade,
  equityAfterTrades,
  poolValues,
} from '../../src/margin/deribit-pm/book-equity.ts';
import { buildBookReadings } from '../../src/margin/deribit-pm/book-readings.ts';
import { keysAfterOneTrade, keysAfterTrades } from '../../src/margin/deribit-pm/book-trades.ts';
import { DERIBIT_PM_HYPOTHESES } from '../../src/margin/deribit-pm/hypotheses.ts';
import { roundDecimals, roundDecimalsFast } from '../../src/margin/deribit-pm/params.ts';
import { deribitPmMarket } from '../../src/margin/deribit-pm/prepared.ts';
import { evaluateOverReadings, readingsToCharge } from '../../src/margin/hypotheses.ts';
import type { MarginResult } from '../../src/margin/margin-result.ts';
import { whatIfByRevaluation } from '../../src/margin/what-if.ts';
import { portfolio, type Portfolio, type Position } from '../../src/risk/portfolio.ts';
import { withTrades } from '../../src/risk/with-trades.ts';
import { markInstrument } from '../../src/market/marks.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const params = deribitPmModel.defaultParams;
const instruments: Instrument[] = [
  ...realInstruments(),
  parseSymbol('BTC_USDC-PERPETUAL', 'deribit'),
  parseSymbol('BTC_USDC', 'deribit'),
];
const options = instruments.filter(isOptionLike);
const deltaOne = instruments.filter((i) => !isOptionLike(i));

const BALANCES = [
  { currency: 'BTC', amount: 3 },
  { currency: 'BTC', amount: 0.01 },
  { currency: 'USDC', amount: 500_000 },
];

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const near = (a: number, b: number, what: string) => {
  if (b === 0) expect(Math.abs(a), what).toBeLessThanOrEqual(1e-15);
  else expect(rel(a, b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-12);
};

const WORST_CASE_NOTE = DERIBIT_PM_UNVERIFIED.worstCaseBucket;
/** How many comparisons `sameNotesOrVolCellTie` let through (a rare edge: bounded below). */
let volCellTies = 0;

/**
 * True when the two results' notes differ only by the worst-case-bucket note and every key's
 * worst case is the same to 1e-12 in the same spot bucket (source, bucket, side): that note
 * reports exact ties between cells, and cells equal to within rounding (a position closed to a
 * residual of 1e-11 coins next to a perpetual whose P&L is the same in the bucket's three vol
 * cells) tie or not depending on the order of the additions (the incremental `pre + q·row`
 * against the rebuilt sum). Any other difference in the notes still fails.
 */
function sameNotesOrVolCellTie(r: MarginResult, e: MarginResult, w: string): boolean {
  const a = new Set(r.unverified);
  const b = new Set(e.unverified);
  const onlyA = [...a].filter((u) => !b.has(u));
  const onlyB = [...b].filter((u) => !a.has(u));
  const diff = [...onlyA, ...onlyB];
  if (diff.length !== 1 || diff[0] !== WORST_CASE_NOTE) return false;
  const keys = (x: MarginResult) => (x.details as DeribitPmDetails).keys;
  const kr = keys(r);
  const ke = keys(e);
  expect(kr.length, w).toBe(ke.length);
  ke.forEach((k, i) => {
    const g = kr[i]!;
    near(g.worstCase, k.worstCase, `${w} key ${k.key} worst case`);
    const { source, bucket, side } = k.worstCaseBucket;
    expect(g.worstCaseBucket, `${w} key ${k.key} worst bucket`).toMatchObject({
      source,
      bucket,
      side,
    });
  });
  volCellTies++;
  return true;
}

/** Per pool: numbers ≤ 1e-12, each reading's IM/MM ≤ 1e-12, notes and hash exact. */
function expectSame(got: readonly MarginResult[], want: readonly MarginResult[], where: string) {
  expect(
    got.map((r) => r.currency),
    where,
  ).toEqual(want.map((r) => r.currency));
  got.forEach((r, i) => {
    const e = want[i]!;
    const w = `${where} ${e.currency}`;
    for (const k of ['initialMargin', 'maintenanceMargin', 'equity'] as const)
      near(r[k], e[k], `${w}.${k}`);
    expect((r.hypotheses ?? []).length, w).toBe((e.hypotheses ?? []).length);
    (e.hypotheses ?? []).forEach((h, k) => {
      expect(r.hypotheses![k]!.readings, w).toEqual(h.readings);
      near(r.hypotheses![k]!.initialMargin, h.initialMargin, `${w} reading ${k} IM`);
      near(r.hypotheses![k]!.maintenanceMargin, h.maintenanceMargin, `${w} reading ${k} MM`);
    });
    if (e.hypothesisCharge) {
      // the charged reading carries the charged amount (ties to rounding may pick another)
      const im = r.hypothesisCharge!.initialMargin;
      const row = e.hypotheses!.find((h) => JSON.stringify(h.readings) === JSON.stringify(im));
      near(row!.initialMargin, e.initialMargin, `${w} IM set by ${JSON.stringify(im)}`);
    } else expect(r.hypothesisCharge, w).toBeUndefined();
    const notes = (x: MarginResult) => x.unverified.filter((u) => !u.startsWith('hypotheses:'));
    if (!sameNotesOrVolCellTie(r, e, w)) expect(notes(r), w).toEqual(notes(e));
    expect(r.inputsHash, w).toBe(e.inputsHash);
  });
}

/** The per-reading default (every reading evaluated, as before book-readings.ts). */
function perReading(book: Portfolio): MarginResult[] {
  return evaluateOverReadings(
    DERIBIT_PM_HYPOTHESES,
    book,
    snapshot,
    params,
    deribitPmInputsHash(book, snapshot, params),
    (p) => evaluatePrepared(deribitPmMarket(snapshot, p), book, { hash: false }),
    (p) => evaluatePrepared(deribitPmMarket(snapshot, p), book, { hash: false, details: false }),
  );
}

/**
 * `prepareDeribitPmBook` of `book` (the same evaluator) with `reports.n` counting the pool
 * evaluations made after preparing: the after-trade report (numbers or details) of a what-if.
 */
function countingBook(book: Portfolio) {
  const reports = { n: 0 };
  const pb = prepareBook(
    {
      buildPoolKeys,
      poolMargins,
      inputsHash: deribitPmInputsHash,
      evaluatePoolKeys: (...a: Parameters<typeof evaluatePoolKeys>) => {
        reports.n++;
        return evaluatePoolKeys(...a);
      },
      evaluate: (p, s, ps) => deribitPmModel.evaluate(p, s, ps),
      evaluateDefault,
    },
    book,
    snapshot,
    params,
  );
  reports.n = 0;
  return { pb, reports };
}

/** The oracle's path for one trade: fallback iff it opens a pool or key or moves the readings. */
function expectedPath(book: Portfolio, t: Position): 'incremental' | 'fallback' {
  const inst = t.instrument;
  const key = book.positions.some(
    (p) =>
      p.instrument.settlementCurrency === inst.settlementCurrency &&
      p.instrument.underlying === inst.underlying,
  );
  if (!key) return 'fallback';
  const after = withTrades(book, [t], snapshot);
  const r0 = readingsToCharge(DERIBIT_PM_HYPOTHESES, book, snapshot, params).readings;
  const r1 = readingsToCharge(DERIBIT_PM_HYPOTHESES, after, snapshot, params).readings;
  return JSON.stringify(r0) === JSON.stringify(r1) ? 'incremental' : 'fallback';
}

const pos = (list: readonly Instrument[], max = 20) =>
  fc.record({
    i: fc.integer({ min: 0, max: list.length - 1 }),
    size: fc.double({ min: -max, max, noNaN: true }).filter((x) => Math.abs(x) > 1e-2),
  });
const positionsOf = (list: readonly Instrument[], xs: { i: number; size: number }[]): Position[] =>
  xs.map((x) => ({ instrument: list[x.i]!, size: x.size }));

/** A trade: a held position closed, or a random instrument (options, delta-one, big futures). */
const tradeArb: fc.Arbitrary<{ close: number } | Position> = fc.oneof(
  { arbitrary: fc.record({ close: fc.nat() }), weight: 2 },
  { arbitrary: pos(options).map((p) => ({ instrument: options[p.i]!, size: p.size })), weight: 4 },
  {
    arbitrary: pos(deltaOne).map((p) => ({ instrument: deltaOne[p.i]!, size: p.size })),
    weight: 2,
  },
  {
    arbitrary: pos(deltaOne, 400).map((p) => ({ instrument: deltaOne[p.i]!, size: p.size })),
    weight: 1,
  },
);

describe('deribit-pm default: readings sharing one build per priced table', () => {
  it('evaluate equals evaluating every reading, to the bit (report included)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(pos(options), { minLength: 0, maxLength: 8, selector: (p) => p.i }),
        fc.uniqueArray(pos(deltaOne, 300), { minLength: 0, maxLength: 3, selector: (p) => p.i }),
        (o, d) => {
          fc.pre(o.length + d.length > 0);
          const book = portfolio(
            [...positionsOf(options, o), ...positionsOf(deltaOne, d)],
            [
              { currency: 'BTC', amount: 30 },
              { currency: 'USDC', amount: 500_000 },
            ],
          );
          const got = deribitPmModel.evaluate(book, snapshot, params);
          const want = perReading(book);
          // same bits: JSON drops nothing here (no NaN or −0 in results), so compare all
          expect(JSON.stringify(got)).toBe(JSON.stringify(want));
          got.forEach((r, i) => {
            expect(Object.is(r.initialMargin, want[i]!.initialMargin)).toBe(true);
            expect(Object.is(r.maintenanceMargin, want[i]!.maintenanceMargin)).toBe(true);
          });
        },
      ),
      { numRuns: 40, seed: 8 },
    );
  });

  it('random trades on prepared books equal re-evaluation; each takes the predicted path', () => {
    const counts = {
      incremental: 0,
      fallback: 0,
      closes: 0,
      opensRule: 0,
      crosses: 0,
      earlyRead: 0,
    };
    fc.assert(
      fc.property(
        fc.uniqueArray(pos(options), { minLength: 1, maxLength: 8, selector: (p) => p.i }),
        fc.uniqueArray(pos(deltaOne), { minLength: 0, maxLength: 2, selector: (p) => p.i }),
        fc.boolean(),
        fc.array(tradeArb, { minLength: 1, maxLength: 5 }),
        (o, d, futuresOnly, ts) => {
          const ps = futuresOnly
            ? positionsOf(deltaOne, d.length > 0 ? d : [{ i: 1, size: 2 }])
            : [...positionsOf(options, o), ...positionsOf(deltaOne, d)];
          const book = portfolio(ps, [{ currency: 'BTC', amount: 30 }]);
          const { pb: prepared, reports } = countingBook(book);
          for (const x of ts) {
            const t: Position =
              'close' in x
                ? {
                    instrument: book.positions[x.close % book.positions.length]!.instrument,
                    size: -book.positions[x.close % book.positions.length]!.size,
                  }
                : x;
            if ('close' in x) counts.closes++;
            const path = expectedPath(book, t);
            const before = { ...prepared.paths };
            const fast = prepared.after([t]);
            expect(prepared.paths[path], `path of ${t.instrument.symbol} ${t.size}`).toBe(
              before[path] + 1,
            );
            counts[path]++;
            if (path === 'incremental') {
              // the summary's fields are read without building the after-trade report
              const n = reports.n;
              for (const r of fast) void [r.inputsHash, r.unverified, r.initialMargin];
              expect(reports.n, 'pool evaluations to read hash and notes').toBe(n);
              counts.earlyRead++;
            }
            const want = deribitPmModel.evaluate(withTrades(book, [t], snapshot), snapshot, params);
            if (
              (want[0]!.hypotheses?.length ?? 1) !== (prepared.before[0]!.hypotheses?.length ?? 1)
            )
              counts[t.size > 100 || t.size < -100 ? 'crosses' : 'opensRule']++;
            expectSame(fast, want, `${t.instrument.symbol} ${t.size}`);
          }
          // several trades at once (after all, each alone) against re-evaluation
          const trades = ts.filter((x): x is Position => !('close' in x));
          if (trades.length > 1) {
            const w = prepared.whatIf(trades);
            const r = whatIfByRevaluation(deribitPmModel, book, snapshot, params, trades);
            expectSame(w.after, r.after, 'all trades');
            near(w.afterUsd.initialMargin, r.afterUsd.initialMargin, 'after USD IM');
          }
        },
      ),
      { numRuns: 40, seed: 88 },
    );
    // a path that always added or dropped the worst-case note would pass more than a few
    expect(volCellTies).toBeLessThanOrEqual(3);
    // both paths taken, on each kind of trade the brief names
    expect(counts.incremental).toBeGreaterThanOrEqual(60);
    expect(counts.fallback).toBeGreaterThanOrEqual(5);
    expect(counts.closes).toBeGreaterThanOrEqual(10);
    expect(counts.opensRule + counts.crosses).toBeGreaterThanOrEqual(3);
    expect(counts.earlyRead).toBe(counts.incremental);
    console.log('what-if paths on random trades:', counts);
  });

  it('one trade without copying its key gives the bits of the general path', () => {
    const counts = { held: 0, added: 0, newExpiry: 0, deltaOne: 0, noKey: 0, equity: 0 };
    fc.assert(
      fc.property(
        fc.uniqueArray(pos(options), { minLength: 1, maxLength: 8, selector: (p) => p.i }),
        fc.uniqueArray(pos(deltaOne), { minLength: 0, maxLength: 3, selector: (p) => p.i }),
        fc.array(tradeArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (o, d, ts, withBalances) => {
          // two BTC balances: the premium may reorder them (the sum follows that order)
          const book = portfolio(
            [...positionsOf(options, o), ...positionsOf(deltaOne, d)],
            withBalances ? BALANCES : [],
          );
          const own = readingsToCharge(DERIBIT_PM_HYPOTHESES, book, snapshot, params);
          const built = buildBookReadings(book, snapshot, own.charged, own.readings)!;
          const stateOf = (p: Position) => built.markets[0]!.row(p.instrument).state;
          const values = poolValues(book, built.pools, stateOf);
          const heldOf = (s: string) => book.positions.find((p) => p.instrument.symbol === s);
          const markOf = (i: Instrument) => markInstrument(i, snapshot).price;
          for (const x of ts) {
            const held = 'close' in x ? book.positions[x.close % book.positions.length]! : x;
            const t = 'close' in x ? { instrument: held.instrument, size: -held.size } : x;
            const want = keysAfterTrades(built, [t]);
            const got = keysAfterOneTrade(built, t);
            if (!want) {
              expect(got).toBeUndefined();
              counts.noKey++;
              continue;
            }
            const sym = t.instrument.symbol;
            const inBook = book.positions.some((p) => p.instrument.symbol === sym);
            if (inBook) counts.held++;
            else counts.added++;
            if (!isOptionLike(t.instrument)) counts.deltaOne++;
            else if (
              !book.positions.some(
                (p) =>
                  isOptionLike(p.instrument) &&
                  isOptionLike(t.instrument) &&
                  p.instrument.underlying === t.instrument.underlying &&
                  p.instrument.settlementCurrency === t.instrument.settlementCurrency &&
                  p.instrument.expiryMs === t.instrument.expiryMs,
              )
            )
              counts.newExpiry++;
            expect(got!.keys.length).toBe(want.keys.length);
            want.keys.forEach((k, j) => {
              const g = got!.keys[j]!;
              expect(g.pool).toBe(k.pool);
              k.worst.forEach((w, m) =>
                expect(Object.is(g.worst[m], w), `${sym} worst ${m}`).toBe(true),
              );
              k.shocks.forEach((v, m) =>
                expect(Object.is(g.shocks[m], v), `${sym} shock ${m}`).toBe(true),
              );
            });
            expect([...got!.grossChange]).toEqual([...want.grossChange]);
            // the pools' equity after an option trade, without executing it on a book
            const eq = equityAfterOneTrade(book, values, t, stateOf, heldOf, markOf);
            const eqWant = equityAfterTrades(book, values, [t], snapshot, stateOf, heldOf);
            if (isOptionLike(t.instrument)) {
              counts.equity++;
              eq!.forEach((e, i) =>
                expect(Object.is(e, eqWant[i]), `${sym} equity ${i}`).toBe(true),
              );
            } else expect(eq).toBeUndefined();
          }
          // the book is not changed by either path
          const again = buildBookReadings(book, snapshot, own.charged, own.readings)!;
          expect(JSON.stringify(built.keys)).toBe(JSON.stringify(again.keys));
        },
      ),
      { numRuns: 60, seed: 21 },
    );
    expect(counts.held).toBeGreaterThanOrEqual(20);
    expect(counts.added).toBeGreaterThanOrEqual(20);
    expect(counts.newExpiry).toBeGreaterThanOrEqual(5);
    expect(counts.deltaOne).toBeGreaterThanOrEqual(10);
    expect(counts.equity).toBeGreaterThanOrEqual(50);
    console.log('one-trade path against the general path:', counts);
  });

  it('the lazy report of an incremental what-if matches re-evaluation (keys, details, worst case)', () => {
    const book = portfolio(
      [
        { instrument: options[3]!, size: 2 },
        { instrument: options[17]!, size: -4 },
        { instrument: deltaOne[0]!, size: -1 },
      ],
      [{ currency: 'BTC', amount: 5 }],
    );
    const prepared = prepareDeribitPmBook(book, snapshot, params);
    const t = [{ instrument: options[40]!, size: 1.5 }];
    const got = prepared.after(t);
    expect(prepared.paths).toEqual({ incremental: 1, fallback: 0 });
    const want = deribitPmModel.evaluate(withTrades(book, t, snapshot), snapshot, params);
    expect(Object.keys(got[0]!)).toEqual(Object.keys(want[0]!));
    // the report is built from the traded keys (pre + q·row): numbers to 1e-12, same cells
    type Sim = { simulate: { margins: { btc: { initial_margin: number } } } };
    const im = (r: MarginResult) => (r.details as Sim).simulate.margins.btc.initial_margin;
    near(im(got[0]!), im(want[0]!), 'details.simulate IM');
    expect(got[0]!.worstScenario!.id).toBe(want[0]!.worstScenario!.id);
    near(got[0]!.worstScenario!.loss, want[0]!.worstScenario!.loss, 'worst loss');
    expect(got[0]!.contributions.map((c) => c.symbol)).toEqual(
      want[0]!.contributions.map((c) => c.symbol),
    );
    expect(got[0]!.addOns).toEqual(want[0]!.addOns);
  });
});

describe('roundDecimalsFast', () => {
  it('equals roundDecimals (toFixed) to the bit, halves and huge values included', () => {
    const halves = [0.5, 1.5, 2.5, 1.0000000005, 0.0000000025, 123.4567890125, 1e-9 / 2];
    for (const x of halves)
      for (const d of [0, 1, 9, 10])
        for (const s of [1, -1])
          expect(Object.is(roundDecimalsFast(s * x, d), roundDecimals(s * x, d))).toBe(true);
    fc.assert(
      fc.property(
        fc.double({ min: -1e22, max: 1e22, noNaN: true }),
        fc.integer({ min: 0, max: 12 }),
        (x, d) => {
          expect(Object.is(roundDecimalsFast(x, d), roundDecimals(x, d))).toBe(true);
        },
      ),
      { numRuns: 20_000, seed: 3 },
    );
  });
});

// The Deribit PM book prepared at the fail-closed default (prepared-book.ts) against re-evaluation
// over every reading (whatIfByRevaluation): per pool IM, MM, equity to 1e-12 relative, the
// hypothesis table (each reading's IM and MM), the readings that set IM and MM, the notes; on
// random books of real instruments (inverse options, futures, USDC-settled linear products) and
// on trades that open a rule the book did not have open. The one-trade what-if (its results and
// USD totals built from the numbers, `fastWhatIf`) equals `whatIfResult` assembled from the
// prepared book's `after`, to the bit and in the same JSON.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isOptionLike, type Instrument } from '../../src/instruments/instrument.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { deribitPmModel, prepareDeribitPmBook } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { DERIBIT_PM_HYPOTHESES } from '../../src/margin/deribit-pm/hypotheses.ts';
import { pinReadings } from '../../src/margin/hypotheses.ts';
import type { MarginResult } from '../../src/margin/margin-result.ts';
import { whatIfByRevaluation, whatIfResult } from '../../src/margin/what-if.ts';
import { portfolio, type Portfolio, type Position } from '../../src/risk/portfolio.ts';
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

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const near = (a: number, b: number, what: string) => {
  if (b === 0) expect(Math.abs(a), what).toBeLessThanOrEqual(1e-15);
  else expect(rel(a, b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-12);
};

/** `a` equals `b` with numbers to 1e-12 relative (`near`), everything else exact. */
function nearDeep(a: unknown, b: unknown, what: string): void {
  if (typeof b === 'number' && typeof a === 'number') return near(a, b, what);
  if (typeof b !== 'object' || b === null || typeof a !== 'object' || a === null)
    return void expect(a, what).toEqual(b);
  expect(Object.keys(a), `${what} keys`).toEqual(Object.keys(b));
  for (const k of Object.keys(b))
    nearDeep((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${what}.${k}`);
}

/** Pool-by-pool equality to 1e-12 (numbers), exact (readings, notes, hash). */
function expectSame(a: readonly MarginResult[], b: readonly MarginResult[], where: string) {
  expect(
    a.map((r) => r.currency),
    where,
  ).toEqual(b.map((r) => r.currency));
  a.forEach((r, i) => {
    const e = b[i]!;
    const w = `${where} ${e.currency}`;
    for (const k of ['initialMargin', 'maintenanceMargin', 'equity'] as const)
      near(r[k], e[k], `${w}.${k}`);
    // the same fields (their order differs from re-evaluation's, before this change too), and
    // the report's (read through the lazy getters)
    expect(Object.keys(r).sort(), w).toEqual(Object.keys(e).sort());
    for (const k of ['worstScenario', 'contributions', 'addOns', 'warnings'] as const)
      nearDeep(r[k], e[k], `${w}.${k}`);
    expect(r.inputsHash, w).toBe(e.inputsHash);
    expect((r.hypotheses ?? []).length, w).toBe((e.hypotheses ?? []).length);
    (e.hypotheses ?? []).forEach((h, k) => {
      const g = r.hypotheses![k]!;
      expect(g.readings, w).toEqual(h.readings);
      near(g.initialMargin, h.initialMargin, `${w} reading ${k} IM`);
      near(g.maintenanceMargin, h.maintenanceMargin, `${w} reading ${k} MM`);
    });
    if (e.hypothesisCharge) {
      // The charging reading is the same one unless two readings tie to rounding: then the
      // one charged must carry the charged amount in the re-evaluated table.
      for (const [side, field] of [
        ['initialMargin', 'initialMargin'],
        ['maintenanceMargin', 'maintenanceMargin'],
      ] as const) {
        const got = r.hypothesisCharge![side];
        const row = e.hypotheses!.find((h) => JSON.stringify(h.readings) === JSON.stringify(got));
        expect(row, `${w} ${side} reading`).toBeDefined();
        near(row![field], e[field], `${w} ${side} set by ${JSON.stringify(got)}`);
      }
    } else expect(r.hypothesisCharge, w).toBeUndefined();
    expect(
      r.unverified.filter((u) => !u.startsWith('hypotheses:')),
      w,
    ).toEqual(e.unverified.filter((u) => !u.startsWith('hypotheses:')));
  });
}

function expectWhatIfSame(book: Portfolio, trades: readonly Position[], p = params) {
  const fast = prepareDeribitPmBook(book, snapshot, p).whatIf(trades);
  const full = whatIfByRevaluation(deribitPmModel, book, snapshot, p, trades);
  expect(fast.before, 'before').toEqual(full.before);
  expect(fast.beforeUsd, 'before USD').toEqual(full.beforeUsd);
  const usdScale = Math.max(1, full.afterUsd.equity, full.afterUsd.initialMargin);
  for (const k of ['initialMargin', 'maintenanceMargin', 'equity'] as const)
    expect(Math.abs(fast.afterUsd[k] - full.afterUsd[k]), `after USD ${k}`).toBeLessThanOrEqual(
      1e-12 * usdScale,
    );
  expectSame(fast.after, full.after, 'after');
  fast.trades.forEach((t, k) => {
    expectSame(t.after, full.trades[k]!.after, `trade ${k}`);
    const scale = Math.max(1, full.beforeUsd.initialMargin);
    expect(
      Math.abs(t.incrementalInitialMarginUsd - full.trades[k]!.incrementalInitialMarginUsd),
    ).toBeLessThanOrEqual(1e-12 * scale);
  });
  return { fast, full };
}

const pos = (list: readonly Instrument[]) =>
  fc.record({
    i: fc.integer({ min: 0, max: list.length - 1 }),
    size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) > 1e-2),
  });
const positionsOf = (list: readonly Instrument[], xs: { i: number; size: number }[]): Position[] =>
  xs.map((x) => ({ instrument: list[x.i]!, size: x.size }));

describe('deribit-pm book prepared at the default equals re-evaluation over every reading', () => {
  it('random option books (inverse and USDC-settled) with held and new trades', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(pos(options), { minLength: 1, maxLength: 6, selector: (p) => p.i }),
        fc.uniqueArray(pos(deltaOne), { minLength: 0, maxLength: 2, selector: (p) => p.i }),
        fc.array(pos(instruments), { minLength: 1, maxLength: 3 }),
        (o, d, t) => {
          const book = portfolio(
            [...positionsOf(options, o), ...positionsOf(deltaOne, d)],
            [
              { currency: 'BTC', amount: 30 },
              { currency: 'USDC', amount: 500_000 },
            ],
          );
          const { full } = expectWhatIfSame(book, positionsOf(instruments, t));
          // the property covers books evaluated over several readings
          expect(full.before[0]!.hypotheses?.length ?? 1).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 25, seed: 11 },
    );
  });

  it('one trade: the what-if built from the numbers equals whatIfResult of after, to the bit', () => {
    let incremental = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(pos(options), { minLength: 1, maxLength: 6, selector: (p) => p.i }),
        fc.uniqueArray(pos(deltaOne), { minLength: 0, maxLength: 2, selector: (p) => p.i }),
        pos(instruments),
        (o, d, x) => {
          const book = portfolio(
            [...positionsOf(options, o), ...positionsOf(deltaOne, d)],
            [
              { currency: 'BTC', amount: 30 },
              { currency: 'USDC', amount: 500_000 },
            ],
          );
          const trade = positionsOf(instruments, [x]);
          const prepared = prepareDeribitPmBook(book, snapshot, params);
          const got = prepared.whatIf(trade);
          incremental += prepared.paths.incremental;
          const after = prepareDeribitPmBook(book, snapshot, params).after(trade);
          const want = whatIfResult(snapshot, prepared.before, after, trade, [after]);
          for (const side of ['beforeUsd', 'afterUsd'] as const)
            for (const k of ['initialMargin', 'maintenanceMargin', 'equity'] as const)
              expect(Object.is(got[side][k], want[side][k]), `${side}.${k}`).toBe(true);
          const t = got.trades[0]!;
          const w = want.trades[0]!;
          expect(Object.is(t.incrementalInitialMarginUsd, w.incrementalInitialMarginUsd)).toBe(
            true,
          );
          expect(
            Object.is(t.incrementalMaintenanceMarginUsd, w.incrementalMaintenanceMarginUsd),
          ).toBe(true);
          expect(t.after).toBe(got.after);
          // the whole answer, report included, in the same field order
          expect(JSON.stringify(got)).toBe(JSON.stringify(want));
        },
      ),
      { numRuns: 25, seed: 12 },
    );
    // most of these trades take the incremental path (the one this test is about)
    expect(incremental).toBeGreaterThanOrEqual(15);
  });

  it('a futures-only book: the first option opens four rules (1 → 16 readings), charged over all', () => {
    const book = portfolio(
      [
        { instrument: deltaOne[0]!, size: 3 },
        { instrument: deltaOne[1]!, size: -2 },
      ],
      [{ currency: 'BTC', amount: 10 }],
    );
    const { fast } = expectWhatIfSame(book, [{ instrument: options[20]!, size: -4 }]);
    expect(fast.before[0]!.hypotheses).toBeUndefined();
    expect(fast.after[0]!.hypotheses!.length).toBe(16);
  });

  it('a trade that crosses the delta-shock threshold opens deltaShock (readings × 2)', () => {
    const book = portfolio(
      [
        { instrument: options[5]!, size: 2 },
        { instrument: deltaOne[0]!, size: 1 },
      ],
      [{ currency: 'BTC', amount: 50 }],
    );
    const trade = [{ instrument: deltaOne[0]!, size: 400 }];
    const { fast } = expectWhatIfSame(book, trade);
    const n = fast.before[0]!.hypotheses!.length;
    expect(fast.after[0]!.hypotheses!.length).toBe(2 * n);
    expect(new Set(fast.after[0]!.hypotheses!.map((h) => h.readings.deltaShock))).toEqual(
      new Set(['H1', 'H2']),
    );
  });

  it('a USDC trade on a BTC-settled book opens a second pool and its rule', () => {
    const book = portfolio(
      [{ instrument: options[9]!, size: -3 }],
      [{ currency: 'BTC', amount: 10 }],
    );
    const usdc = instruments.find((i) => i.symbol === 'BTC_USDC-PERPETUAL')!;
    const { fast } = expectWhatIfSame(book, [
      { instrument: usdc, size: 2 },
      { instrument: options[12]!, size: 1 },
    ]);
    expect(fast.after.map((r) => r.currency)).toEqual(['BTC', 'USDC']);
  });

  it('pinned readings (one reading, the pinned notes) and a closed position', () => {
    const pinned = pinReadings(
      DERIBIT_PM_HYPOTHESES,
      params,
      { inverseOptionPnl: 'usd-at-shocked', minVolForShockUp: 'floor-base' },
      'test',
    );
    const book = portfolio(
      [
        { instrument: options[3]!, size: 2 },
        { instrument: options[30]!, size: -5 },
      ],
      [{ currency: 'BTC', amount: 5 }],
    );
    expectWhatIfSame(book, [{ instrument: options[30]!, size: 5 }], pinned);
  });

  it("details and input hash of the charged reading are built when read, equal to evaluate's", () => {
    const book = portfolio(
      [
        { instrument: options[3]!, size: 2 },
        { instrument: options[17]!, size: -4 },
        { instrument: deltaOne[0]!, size: -1 },
      ],
      [{ currency: 'BTC', amount: 5 }],
    );
    const trades = [{ instrument: options[40]!, size: 1.5 }];
    const prepared = prepareDeribitPmBook(book, snapshot, params);
    const after = prepared.after(trades);
    const want = whatIfByRevaluation(deribitPmModel, book, snapshot, params, trades).after;
    expect(after[0]!.inputsHash).toBe(want[0]!.inputsHash);
    const a = JSON.parse(JSON.stringify(after)) as MarginResult[];
    expect(Object.keys(a[0]!).sort()).toEqual(Object.keys(want[0]!).sort());
    const sim = (r: MarginResult) =>
      (r.details as { simulate: { margins: { btc: { initial_margin: number } } } }).simulate.margins
        .btc.initial_margin;
    near(sim(a[0]!), sim(want[0]!), 'details.simulate IM');
    // a second what-if on the same prepared book reuses its readings
    const n = prepared.readingsPrepared;
    prepared.whatIf([{ instrument: options[41]!, size: -1 }]);
    expect(prepared.readingsPrepared).toBe(n);
  });

  // A getter made per result gives each result its own V8 hidden class; those maps live in
  // the old generation until a mark-compact and keep every what-if's objects alive through the
  // scavenges (docs/performance.md). The results of two what-ifs must share their getters.
  it('results of different what-ifs share their getters (no function per result), either path', () => {
    const book = portfolio(
      [
        { instrument: options[3]!, size: 2 },
        { instrument: options[17]!, size: -4 },
        { instrument: deltaOne[0]!, size: -1 },
      ],
      [{ currency: 'BTC', amount: 5 }],
    );
    // a futures-only book has one reading: its results take the other (non-charged) form
    const futures = portfolio(
      [
        { instrument: deltaOne[0]!, size: 3 },
        { instrument: deltaOne[1]!, size: -2 },
      ],
      [{ currency: 'BTC', amount: 10 }],
    );
    const getters = (o: object) =>
      Object.entries(Object.getOwnPropertyDescriptors(o)).flatMap(([k, d]) =>
        d.get ? [[k, d.get, d.enumerable, d.configurable] as const] : [],
      );
    // a trade in a new pool (USDC) takes the fallback path: lazyReport's results
    const usdcPerp = deltaOne.find((i) => i.symbol === 'BTC_USDC-PERPETUAL')!;
    const cases = [
      { book, t1: options[40]!, t2: options[41]!, readings: 16, path: 'incremental' },
      { book: futures, t1: deltaOne[0]!, t2: deltaOne[1]!, readings: 0, path: 'incremental' },
      { book, t1: usdcPerp, t2: usdcPerp, readings: 32, path: 'fallback' },
    ] as const;
    for (const { book, t1, t2, readings, path } of cases) {
      const prepared = prepareDeribitPmBook(book, snapshot, params);
      const a = prepared.whatIf([{ instrument: t1, size: 1.5 }]);
      const b = prepared.whatIf([{ instrument: t2, size: -1 }]);
      expect(prepared.paths[path], `both ${path}`).toBe(2);
      expect(a.after[0]!.hypotheses?.length ?? 0).toBe(readings);
      // and their fields, report included, equal re-evaluation's
      expectWhatIfSame(book, [{ instrument: t1, size: 1.5 }]);
      // the fallback's what-if is a plain object; its results are lazy (details, hash)
      const pairs: [object, object][] = [
        ...(path === 'incremental' ? [[a, b] as [object, object]] : []),
        ...a.after.map((r, i): [object, object] => [r, b.after[i]!]),
      ];
      for (const [x, y] of pairs) {
        const gx = getters(x);
        expect(gx.length, 'lazy fields').toBeGreaterThanOrEqual(2);
        expect(getters(y)).toEqual(gx);
        gx.forEach(([k, , enumerable, configurable], j) => {
          expect(getters(y)[j]![1], k).toBe(gx[j]![1]);
          expect(enumerable && configurable, k).toBe(true);
        });
        // the state field is hidden: not in keys, JSON or a spread
        expect(Object.getOwnPropertySymbols({ ...x })).toEqual([]);
      }
    }
  });
});

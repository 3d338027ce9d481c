import { describe, expect, it } from 'vitest';
import wd3 from '../fixtures/methodology-examples/W-D3_deribit-standard-margin-futures.json' with { type: 'json' };
import { isBallastError } from '../../src/core/errors.ts';
import { MS_PER_DAY } from '../../src/core/time.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { Instrument } from '../../src/instruments/instrument.ts';
import type { MarketSnapshot, UnderlyingMarket } from '../../src/market/snapshot.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { positionsValue } from '../../src/risk/equity.ts';
import { instrumentState } from '../../src/risk/pnl-matrix.ts';
import {
  deribitStandardModel,
  type DeribitStandardDetails,
  type DeribitStandardParams,
} from '../../src/margin/deribit-standard/deribit-standard.ts';
import {
  DERIBIT_STANDARD_UNVERIFIED,
  shortOptionMargins,
  type FuturesRateRow,
  type RateLine,
} from '../../src/margin/deribit-standard/formulas.ts';

interface Formula {
  readonly im_rate: string;
  readonly mm_rate: string;
}
interface Case {
  readonly case: string;
  readonly instrument: string;
  readonly size: number;
  readonly price?: number;
}
const formulas = wd3.inputs.formulas as unknown as Record<string, Formula>;
const cases = wd3.inputs.cases as readonly Case[];
const expected = wd3.expected as unknown as Record<string, Record<string, number>>;

/** Parses the example's rate strings `a + b * size_x` or `a + b * size_x / c` into a rate line. */
function parseRate(text: string): RateLine {
  const m = /^([0-9.e-]+) \+ ([0-9.e-]+) \* size_[a-z]+(?: \/ ([0-9.]+))?$/.exec(text);
  if (!m) throw new Error(`unparsed rate ${text}`);
  return { base: Number(m[1]), perCoin: Number(m[2]) / (m[3] === undefined ? 1 : Number(m[3])) };
}

/** Published decimal at 12 significant digits (float noise removed, nothing else). */
const dec = (x: number): number => Number(x.toPrecision(12));

const asOfMs = Date.UTC(2024, 0, 2, 8);
const future = parseSymbol('BTC-27DEC24', 'deribit');

function snapshotAt(
  coin: string,
  index: number,
  extra?: Partial<UnderlyingMarket>,
): MarketSnapshot {
  const expiry = future.kind === 'future' ? future.expiryMs : 0;
  return {
    asOfMs,
    underlyings: {
      [coin]: {
        underlying: coin,
        index,
        rate: 0,
        forwards: [{ expiryMs: expiry, forward: index, source: 'future' }],
        surface: [],
        perpBasis: 0,
        ...extra,
      },
    },
  };
}

/** The default row for a W-D3 formula name, matched by product. */
function defaultRow(id: string): FuturesRateRow {
  const row = deribitStandardModel.defaultParams.futures.find((r) => r.id === id);
  if (!row) throw new Error(id);
  return row;
}

describe('Deribit standard margin: W-D3 worked example', () => {
  it('default rate rows equal the example formulas (BTC_USDC, SOL_USDC, BTC and ETH inverse since 2022-01-11)', () => {
    const pairs: [string, string][] = [
      ['BTC_USDC-PERPETUAL', 'btc-usdc-linear'],
      ['SOL_USDC-PERPETUAL', 'sol-usdc-linear'],
      ['BTC inverse future/perp (since 2022-01-11)', 'btc-inverse'],
      ['ETH inverse future/perp (since 2022-01-11)', 'eth-inverse'],
    ];
    for (const [name, id] of pairs) {
      const f = formulas[name]!;
      expect(defaultRow(id).im).toEqual(parseRate(f.im_rate));
      expect(defaultRow(id).mm).toEqual(parseRate(f.mm_rate));
    }
  });

  describe.each(cases.map((c) => [c.case, c] as const))('%s', (_name, c) => {
    const legacy = c.instrument.startsWith('BTC inverse');
    const inst: Instrument = legacy ? future : parseSymbol(c.instrument, 'deribit');
    // Inverse margins do not depend on the price; the legacy cases give none, so any index works.
    const price = c.price ?? 65_000;
    const legacyRow: FuturesRateRow = {
      id: 'btc-inverse-legacy',
      underlying: 'BTC',
      settlement: 'inverse',
      kinds: ['future', 'perpetual'],
      im: parseRate(formulas[c.instrument]?.im_rate ?? '0 + 0 * size_btc'),
      mm: parseRate(formulas[c.instrument]?.mm_rate ?? '0 + 0 * size_btc'),
    };
    const params: DeribitStandardParams = legacy
      ? { ...deribitStandardModel.defaultParams, futures: [legacyRow] }
      : deribitStandardModel.defaultParams;
    const [res, ...rest] = deribitStandardModel.evaluate(
      portfolio([{ instrument: inst, size: c.size }]),
      snapshotAt(inst.underlying, price),
      params,
    );
    const det = res!.details as DeribitStandardDetails;
    const pos = det.positions[0]!;
    const exp = expected[c.case]!;
    const linear = inst.settlement === 'linear';

    it('one pool in the settlement currency', () => {
      expect(rest).toHaveLength(0);
      expect(res!.currency).toBe(inst.settlementCurrency);
    });
    it('IM rate and IM (coin and USDC) exactly as published', () => {
      expect(dec(pos.imRate!)).toBe(exp.im_rate);
      expect(dec(res!.initialMargin / (linear ? price : 1))).toBe(exp.im_coin);
      if (exp.im_usdc !== undefined) expect(dec(res!.initialMargin)).toBe(exp.im_usdc);
      if (exp.notional_usdc !== undefined) expect(c.size * price).toBe(exp.notional_usdc);
    });
    it('MM rate and MM exactly as published (or as derived by the notes where the page was cut off)', () => {
      const mmRate = exp.mm_rate ?? exp.mm_rate_derived_not_published;
      const mmCoin = exp.mm_coin ?? exp.mm_coin_derived_not_published;
      const mmUsdc = exp.mm_usdc ?? exp.mm_usdc_derived_not_published;
      if (mmRate !== undefined) expect(dec(pos.mmRate!)).toBe(mmRate);
      if (mmCoin !== undefined)
        expect(dec(res!.maintenanceMargin / (linear ? price : 1))).toBe(mmCoin);
      if (mmUsdc !== undefined) expect(dec(res!.maintenanceMargin)).toBe(mmUsdc);
    });
    it('no unverified rule for a single delta-one position', () => {
      expect(res!.unverified).toEqual([]);
    });
  });
});

describe('Deribit standard margin: options and aggregation', () => {
  const f = deribitStandardModel.defaultParams.options;

  it('inverse short-option formulas reproduce the notes illustrations (S = 60,000, coin marks)', () => {
    // deribit-standard.md §3.1 table: (right, K, mark) → (IM, MM).
    const rows: ['call' | 'put', number, number, number, number][] = [
      ['call', 60_000, 0.04, 0.19, 0.115],
      ['call', 66_000, 0.02, 0.12, 0.095],
      ['call', 70_000, 0.01, 0.11, 0.085],
      ['put', 60_000, 0.045, 0.195, 0.12],
      ['put', 54_000, 0.02, 0.12, 0.095],
      ['put', 50_000, 0.008, 0.108, 0.083],
    ];
    for (const [right, K, mark, im, mm] of rows) {
      const r = shortOptionMargins(right, K, 60_000, mark, true, f);
      expect(r.im).toBeCloseTo(im, 12);
      expect(r.mm).toBeCloseTo(mm, 12);
    }
  });

  it('linear short call: −2 calls K 70,000, S 60,000, mark 600 → IM 13,200, MM 10,200 USDC', () => {
    const r = shortOptionMargins('call', 70_000, 60_000, 600, false, f);
    expect(2 * r.im).toBeCloseTo(13_200, 9);
    expect(2 * r.mm).toBeCloseTo(10_200, 9);
  });

  it('a short inverse option in a portfolio: per-unit formula × |size|, S = forward by default; flagged unverified', () => {
    const expiryMs = asOfMs + 30 * MS_PER_DAY;
    const surface = [
      {
        expiryMs,
        T: 30 / 365,
        forward: 61_000,
        params: { a: 0.36 * (30 / 365), b: 0, rho: 0, m: 0, sigma: 0.1 },
      },
    ];
    const snap: MarketSnapshot = {
      asOfMs,
      underlyings: {
        BTC: {
          underlying: 'BTC',
          index: 60_000,
          rate: 0,
          forwards: [{ expiryMs, forward: 61_000, source: 'future' }],
          surface,
          perpBasis: 0,
        },
      },
    };
    const d = new Date(expiryMs);
    const mon = [
      'JAN',
      'FEB',
      'MAR',
      'APR',
      'MAY',
      'JUN',
      'JUL',
      'AUG',
      'SEP',
      'OCT',
      'NOV',
      'DEC',
    ][d.getUTCMonth()]!;
    const sym = `BTC-${d.getUTCDate()}${mon}${String(d.getUTCFullYear()).slice(2)}-70000-C`;
    const optAt8 = parseSymbol(sym, 'deribit');
    expect(optAt8.kind === 'option' && optAt8.expiryMs).toBe(expiryMs);
    const [res] = deribitStandardModel.evaluate(
      portfolio([{ instrument: optAt8, size: -3 }]),
      snap,
      deribitStandardModel.defaultParams,
    );
    const pos = (res!.details as DeribitStandardDetails).positions[0]!;
    const one = shortOptionMargins('call', 70_000, 61_000, pos.mark!, true, f);
    expect(pos.underlyingPrice).toBe(61_000);
    expect(res!.initialMargin).toBeCloseTo(3 * one.im, 14);
    expect(res!.maintenanceMargin).toBeCloseTo(3 * one.mm, 14);
    expect(res!.unverified).toContain(DERIBIT_STANDARD_UNVERIFIED.optionFractions);
    // Long options: nothing by default, the mark under the legacy reading.
    const [long] = deribitStandardModel.evaluate(
      portfolio([{ instrument: optAt8, size: 2 }]),
      snap,
      deribitStandardModel.defaultParams,
    );
    expect(long!.initialMargin).toBe(0);
    expect(long!.unverified).toContain(DERIBIT_STANDARD_UNVERIFIED.longOptions);
    const [longMark] = deribitStandardModel.evaluate(
      portfolio([{ instrument: optAt8, size: 2 }]),
      snap,
      { ...deribitStandardModel.defaultParams, longOptionMargin: 'mark' },
    );
    expect(longMark!.initialMargin).toBeCloseTo(2 * pos.mark!, 15);
  });

  it('size aggregation across a perp and a future: per-position, gross (≥) and net (calendar offset)', () => {
    const perp = parseSymbol('BTC-PERPETUAL', 'deribit');
    const book = portfolio([
      { instrument: perp, size: 100 },
      { instrument: future, size: -60 },
    ]);
    const snap = snapshotAt('BTC', 65_000);
    const run = (sizeAggregation: DeribitStandardParams['sizeAggregation']) =>
      deribitStandardModel.evaluate(book, snap, {
        ...deribitStandardModel.defaultParams,
        sizeAggregation,
      })[0]!;
    const per = run('per-position');
    const gross = run('gross');
    const net = run('net');
    expect(per.initialMargin).toBeCloseTo(
      (0.02 + 0.00005 * 100) * 100 + (0.02 + 0.00005 * 60) * 60,
      12,
    );
    expect(gross.initialMargin).toBeCloseTo((0.02 + 0.00005 * 160) * 160, 12);
    expect(net.initialMargin).toBeCloseTo((0.02 + 0.00005 * 40) * 40, 12);
    expect(gross.initialMargin).toBeGreaterThan(per.initialMargin);
    expect(per.unverified).toContain(DERIBIT_STANDARD_UNVERIFIED.sizeAggregation);
  });

  it('fails closed: a linear perp without a rate row and a short spot are UNSUPPORTED errors', () => {
    const xrp = parseSymbol('XRP_USDC-PERPETUAL', 'deribit');
    const spot = parseSymbol('BTC_USDC', 'deribit');
    const books = [
      [portfolio([{ instrument: xrp, size: 1 }]), snapshotAt('XRP', 2)],
      [portfolio([{ instrument: spot, size: -1 }]), snapshotAt('BTC', 65_000)],
    ] as const;
    for (const [book, snap] of books) {
      let err: unknown;
      try {
        deribitStandardModel.evaluate(book, snap, deribitStandardModel.defaultParams);
      } catch (e) {
        err = e;
      }
      expect(isBallastError(err, 'UNSUPPORTED')).toBe(true);
    }
  });

  it('ETH linear perps: the conservative reading (IM 4 % + 0.0004 %·size, MM 2 % + …), listed in unverified', () => {
    const eth = parseSymbol('ETH_USDC-PERPETUAL', 'deribit');
    const snap = snapshotAt('ETH', 2_000, { perpBasis: 0 });
    const r = deribitStandardModel.evaluate(
      portfolio([{ instrument: eth, size: -10 }]),
      snap,
      deribitStandardModel.defaultParams,
    )[0]!;
    expect(r.currency).toBe('USDC');
    expect(r.initialMargin).toBeCloseTo((0.04 + 4e-6 * 10) * 10 * 2000, 9);
    expect(r.maintenanceMargin).toBeCloseTo((0.02 + 4e-6 * 10) * 10 * 2000, 9);
    expect(r.unverified.some((u) => u.startsWith('eth-usdc-linear:'))).toBe(true);
  });

  it('open-orders IM adds to IM only; equity = pool balance + marked positions', () => {
    const perp = parseSymbol('BTC-PERPETUAL', 'deribit');
    const snap = snapshotAt('BTC', 65_000, { perpBasis: 0 });
    const [r] = deribitStandardModel.evaluate(
      portfolio(
        [{ instrument: perp, size: 1, entryPrice: 50_000 }],
        [
          { currency: 'BTC', amount: 2 },
          { currency: 'USDC', amount: 1000 },
        ],
      ),
      snap,
      { ...deribitStandardModel.defaultParams, account: { btc: { open_orders_margin: 0.5 } } },
    );
    expect(r!.initialMargin).toBeCloseTo(0.02005 + 0.5, 14);
    expect(r!.maintenanceMargin).toBeCloseTo(0.01005, 14);
    const value = positionsValue(
      [{ instrument: perp, size: 1, entryPrice: 50_000 }],
      [instrumentState(perp, snap)],
    ).value;
    expect(value).not.toBe(0);
    expect(r!.equity).toBeCloseTo(2 + value, 14);
  });
});

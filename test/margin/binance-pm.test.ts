// Binance portfolio margin (uniMMR): worked examples W-B1 (reproducible legs) and W-Y1 (tiered
// MM, the same `cum` arithmetic), plus unit tests of the model.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Instrument } from '../../src/instruments/instrument.ts';
import type { MarketSnapshot, UnderlyingMarket } from '../../src/market/snapshot.ts';
import { portfolio, type Balance, type Position } from '../../src/risk/portfolio.ts';
import {
  binanceBracketKeys,
  binancePmModel,
  type BinancePmDetails,
} from '../../src/margin/binance-pm/binance-pm.ts';
import { BINANCE_PM_DEFAULTS, type BinancePmParams } from '../../src/margin/binance-pm/params.ts';
import {
  bracketsFromTiers,
  incrementalMaintenance,
  tieredMaintenance,
  type MaintenanceBracket,
} from '../../src/margin/tiered-brackets.ts';
import { isBallastError } from '../../src/core/errors.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';

const read = <T>(name: string): T =>
  JSON.parse(
    readFileSync(new URL(`../fixtures/methodology-examples/${name}`, import.meta.url), 'utf8'),
  ) as T;

function close(actual: number, expected: number, tol = 1e-12): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(
    tol * Math.max(1, Math.abs(expected)),
  );
}

function market(
  underlying: string,
  index: number,
  forwards: UnderlyingMarket['forwards'] = [],
): UnderlyingMarket {
  return { underlying, index, rate: 0, forwards, surface: [], perpBasis: 0 };
}

/** A generic Binance-style contract: `BTCUSDT_PERP`, `BTCUSDT_20220624` (linear), `BTCUSD_PERP` (inverse). */
function binanceInstrument(symbol: string): Instrument {
  const [pair, suffix] = symbol.split('_') as [string, string];
  const quote = pair.endsWith('USDT') ? 'USDT' : pair.endsWith('USDC') ? 'USDC' : 'USD';
  const underlying = pair.slice(0, pair.length - quote.length);
  const inverse = quote === 'USD';
  const common = {
    symbol,
    venue: 'generic' as const,
    underlying,
    quote,
    settlementCurrency: inverse ? underlying : quote,
    settlement: inverse ? ('inverse' as const) : ('linear' as const),
    contract: inverse ? { size: 1, unit: 'usd' as const } : { size: 1, unit: 'base' as const },
  };
  if (suffix === 'PERP') return { ...common, kind: 'perpetual' };
  const y = Number(suffix.slice(0, 4));
  const m = Number(suffix.slice(4, 6));
  const d = Number(suffix.slice(6, 8));
  return { ...common, kind: 'future', expiryMs: Date.UTC(y, m - 1, d, 8) };
}

const flat = (mmr: number, cum: number): MaintenanceBracket[] => [
  { bracket: 1, notionalFloor: 0, notionalCap: null, maintMarginRatio: mmr, cum },
];

// ---------------------------------------------------------------------------------------------
// W-B1 as given.

interface WB1 {
  status: string;
  inputs: {
    margin_account: { coin: string; asset: number; loan: number; marginMM: number }[];
    futures: {
      symbol: string;
      wallet?: string;
      mmr_bracket: number;
      qty_btc?: number;
      qty_usd?: number;
      entry: number;
      mark: number;
    }[];
    cum: number;
  };
  expected: {
    published: Record<string, number>;
    derived_not_published: {
      BTCUSD_PERP_upnl_btc: number;
      futuresMM_usdt: Record<string, number>;
      futuresMM_btc: Record<string, number>;
      marginMM_check: string;
    };
  };
}

const B: WB1 = read('W-B1_binance-unimmr-partial.json');

function wb1() {
  const positions: Position[] = [];
  const underlyings: Record<string, UnderlyingMarket> = {};
  const forwards: UnderlyingMarket['forwards'][number][] = [];
  let perpMark: number | undefined;
  const balances: Balance[] = [];
  for (const f of B.inputs.futures) {
    const instrument = binanceInstrument(f.symbol);
    // COIN-M quantity is USD face: the engine's size is the coin-equivalent at the mark (boundary conversion).
    const size = f.qty_btc ?? f.qty_usd! / f.mark;
    positions.push({ instrument, size, entryPrice: f.entry });
    if (instrument.kind === 'future')
      forwards.push({ expiryMs: instrument.expiryMs, forward: f.mark, source: 'input' });
    else {
      if (perpMark !== undefined) expect(f.mark).toBe(perpMark); // one BTC perp mark in the example
      perpMark = f.mark;
    }
    if (f.wallet) {
      const m = /^([\d,.]+)\s+([A-Z]+)/.exec(f.wallet)!;
      balances.push({ currency: m[2]!, amount: Number(m[1]!.replace(/,/g, '')) });
    }
  }
  for (const a of B.inputs.margin_account) {
    balances.push({ currency: a.coin, amount: a.asset });
    if (a.loan > 0) balances.push({ currency: a.coin, amount: -a.loan });
  }
  underlyings.BTC = market('BTC', perpMark!, forwards);
  underlyings.ETH = market('ETH', 2_000); // not in the example (its index prices were not captured)
  const snapshot: MarketSnapshot = { asOfMs: Date.UTC(2022, 4, 1), underlyings };
  // The example's MMR: every bracket at mmr_bracket with cum; margin loans at 3x (10 %).
  const params: BinancePmParams = {
    ...BINANCE_PM_DEFAULTS,
    brackets: Object.fromEntries(
      B.inputs.futures.map((f) => [f.symbol, flat(f.mmr_bracket, B.inputs.cum)]),
    ),
    collateralRates: { USDT: 1, BTC: 1, ETH: 1 }, // not captured in the example [G]: the ratio is not an oracle
    marginLeverage: 3,
  };
  const [r] = binancePmModel.evaluate(portfolio(positions, balances), snapshot, params);
  return { r: r!, d: r!.details as BinancePmDetails };
}

describe('W-B1 Binance PM collateral and MM legs (as given)', () => {
  it('is partially reproduced: legs only', () => expect(B.status).toBe('partially-reproduced'));

  it('reproduces the published USDⓈ-M unrealised P&L (USDT integers)', () => {
    const { d } = wb1();
    for (const [key, v] of Object.entries(B.expected.published)) {
      const symbol = key.replace(/_upnl_usdt$/, '');
      const leg = d.legs.find((l) => l.symbol === symbol)!;
      expect(leg.currency).toBe('USDT');
      expect(Math.round(leg.upl)).toBe(v);
      close(leg.upl, v);
    }
  });

  it('reproduces the derived COIN-M UPL and every futures MM leg', () => {
    const { d } = wb1();
    const dn = B.expected.derived_not_published;
    const cm = d.legs.find((l) => l.symbol === 'BTCUSD_PERP')!;
    expect(cm.book).toBe('CM');
    close(cm.upl, dn.BTCUSD_PERP_upnl_btc);
    for (const [symbol, mm] of Object.entries(dn.futuresMM_usdt)) {
      const leg = d.legs.find((l) => l.symbol === symbol)!;
      expect(leg.currency).toBe('USDT');
      close(leg.maintenanceMargin, mm);
    }
    for (const [symbol, mm] of Object.entries(dn.futuresMM_btc)) {
      const leg = d.legs.find((l) => l.symbol === symbol)!;
      expect(leg.currency).toBe('BTC');
      close(leg.maintenanceMargin, mm);
    }
  });

  it('reproduces MarginMM = loan × 10 % (3x) per asset', () => {
    const { d } = wb1();
    expect(B.expected.derived_not_published.marginMM_check).toMatch(/10%/);
    for (const a of B.inputs.margin_account)
      close(d.assets.find((x) => x.asset === a.coin)!.marginMM, a.marginMM);
  });

  it("aggregates by the uniMMR formula (adjusted equity / Σ MM in USD) on the example's own legs", () => {
    const { r, d } = wb1();
    // Σ MM in USD from the example's (derived) legs, priced independently: USDT at 1 (no
    // USDT market in the snapshot), BTC at the BTC perp mark, ETH at the snapshot's 2,000.
    const dn = B.expected.derived_not_published;
    const btcPx = B.inputs.futures.find((f) => f.symbol === 'BTCUSD_PERP')!.mark;
    const px: Record<string, number> = { USDT: 1, BTC: btcPx, ETH: 2_000 };
    const mm =
      Object.values(dn.futuresMM_usdt).reduce((a, v) => a + v, 0) +
      Object.values(dn.futuresMM_btc).reduce((a, v) => a + v * btcPx, 0) +
      B.inputs.margin_account.reduce((a, m) => a + m.marginMM * px[m.coin]!, 0);
    close(r.maintenanceMargin, mm);
    // Adjusted equity at collateral rate 1: BTC 0.1 + 0.1 − 0.04 − 0.05, USDT 1,000 + 5,000 +
    // 600 − 414, ETH 20 − 15, each at its price.
    const equity =
      (0.1 + 0.1 - 0.04 - 0.05) * btcPx + (1000 + 5000 + 600 - 414) + (20 - 15) * 2_000;
    close(r.equity, equity);
    close(d.uniMMR!, equity / mm);
    const btc = d.assets.find((a) => a.asset === 'BTC')!;
    // BTC: 0.1 margin + 0.1 CM wallet − 0.04 loan + (−0.05) COIN-M UPL
    close(btc.equity, 0.1 + 0.1 - 0.04 - 0.05);
    const usdt = d.assets.find((a) => a.asset === 'USDT')!;
    close(usdt.equity, 1000 + 5000 + 600 - 414);
  });
});

// ---------------------------------------------------------------------------------------------
// W-Y1 as given: the same bracket arithmetic.

interface WY1 {
  status: string;
  inputs: { tiers: { upTo: number; mmr: number }[]; qty: number; mark: number; leverage: number };
  expected: {
    position_value: number;
    initial_margin: number;
    maintenance_margin: number;
    max_unrealised_loss_before_liquidation: number;
  };
}
const Y: WY1 = read('W-Y1_bybit-tiered-mm.json');
const yBrackets = bracketsFromTiers(Y.inputs.tiers.map((t) => ({ upTo: t.upTo, rate: t.mmr })));

describe('W-Y1 tiered MM (Bybit example = Binance cum arithmetic)', () => {
  it('reproduces position value, IM, MM (cum and incremental forms) and the max loss (1 decimal)', () => {
    expect(Y.status).toBe('reproduced');
    const value = Y.inputs.qty * Y.inputs.mark;
    expect(value).toBe(Y.expected.position_value);
    const im = value / Y.inputs.leverage;
    expect(im).toBe(Y.expected.initial_margin);
    const mm = tieredMaintenance(value, yBrackets);
    expect(mm).toBeCloseTo(Y.expected.maintenance_margin, 10);
    expect(incrementalMaintenance(value, yBrackets)).toBeCloseTo(Y.expected.maintenance_margin, 10);
    expect(im - mm).toBeCloseTo(Y.expected.max_unrealised_loss_before_liquidation, 10);
  });

  it('reproduces 92.5 through the Binance model (a linear perp with the W-Y1 brackets)', () => {
    const inst = binanceInstrument('XYZUSDT_PERP');
    const snapshot: MarketSnapshot = {
      asOfMs: Date.UTC(2025, 0, 1),
      underlyings: { XYZ: market('XYZ', Y.inputs.mark), USDT: market('USDT', 1) },
    };
    const params: BinancePmParams = {
      ...BINANCE_PM_DEFAULTS,
      brackets: { XYZUSDT: yBrackets },
      collateralRates: { USDT: 1 },
    };
    const [r] = binancePmModel.evaluate(
      portfolio(
        [{ instrument: inst, size: Y.inputs.qty, entryPrice: Y.inputs.mark }],
        [{ currency: 'USDT', amount: 1000 }],
      ),
      snapshot,
      params,
    );
    const d = r!.details as BinancePmDetails;
    expect(d.legs[0]!.bracketKey).toBe('XYZUSDT');
    expect(d.legs[0]!.bracket).toBe(4);
    expect(d.legs[0]!.cum).toBeCloseTo(30, 12);
    expect(r!.maintenanceMargin).toBeCloseTo(Y.expected.maintenance_margin, 10);
  });
});

// ---------------------------------------------------------------------------------------------
// Model unit tests.

const BTCUSDT = binanceInstrument('BTCUSDT_PERP');

function simple(usdt: number, params: Partial<BinancePmParams> = {}) {
  const snapshot: MarketSnapshot = {
    asOfMs: Date.UTC(2025, 0, 1),
    underlyings: { BTC: market('BTC', 40_000) },
  };
  const p: BinancePmParams = {
    ...BINANCE_PM_DEFAULTS,
    brackets: { BTCUSDT: flat(0.005, 0) },
    collateralRates: { USDT: 1 },
    ...params,
  };
  const [r] = binancePmModel.evaluate(
    portfolio(
      [{ instrument: BTCUSDT, size: 1, entryPrice: 40_000 }],
      [{ currency: 'USDT', amount: usdt }],
    ),
    snapshot,
    p,
  );
  return { r: r!, d: r!.details as BinancePmDetails };
}

describe('Binance PM model', () => {
  it('uniMMR = adjusted equity / Σ MM; IM = MM with the reason in unverified and warnings', () => {
    const { r, d } = simple(10_000);
    expect(r.maintenanceMargin).toBeCloseTo(200, 10);
    expect(r.initialMargin).toBe(r.maintenanceMargin);
    expect(d.uniMMR).toBeCloseTo(50, 10);
    expect(d.status).toBe('NORMAL');
    expect(d.liquidation).toBe(false);
    expect(r.unverified.join()).toMatch(/no IM requirement/);
    expect(r.warnings.join()).toMatch(/initialMargin = maintenanceMargin/);
    expect(r.warnings.join()).toMatch(/USDT valued at 1 USD/);
    expect(binancePmModel.scenarioBased).toBe(false);
    expect(r.worstScenario).toBeUndefined();
  });

  it('liquidation at uniMMR ≤ 1.05, reduce-only above it up to 1.2, margin call up to 1.5', () => {
    expect(simple(210).d.liquidation).toBe(true); // 210 / 200 = 1.05
    expect(simple(210).d.status).toBe('FORCE_LIQUIDATION');
    expect(simple(212).d.liquidation).toBe(false);
    expect(simple(212).d.status).toBe('REDUCE_ONLY');
    expect(simple(240).d.status).toBe('REDUCE_ONLY'); // boundary falls in the worse band
    expect(simple(250).d.status).toBe('MARGIN_CALL');
    expect(simple(190).d.statusDescription).toMatch(/may claim/);
    expect(simple(210).d.liquidationEquity).toBeCloseTo(210, 9);
  });

  it('collateral haircut applies to positive equity only; unlisted assets count at 0 with a warning', () => {
    const h = simple(10_000, { collateralRates: { USDT: 0.9 } });
    expect(h.r.equity).toBeCloseTo(9_000, 9);
    const neg = simple(-5_000, { collateralRates: { USDT: 0.9 } });
    expect(neg.r.equity).toBeCloseTo(-5_000, 9);
    expect(neg.r.unverified.join()).toMatch(/negative asset equity/);
    const none = simple(10_000, { collateralRates: {} });
    expect(none.r.equity).toBe(0);
    expect(none.r.warnings.join()).toMatch(/no collateral rate for USDT/);
  });

  it('margin loans add loan × MMR(leverage) at the index and reduce equity', () => {
    const snapshot: MarketSnapshot = {
      asOfMs: Date.UTC(2025, 0, 1),
      underlyings: { BTC: market('BTC', 40_000) },
    };
    const p: BinancePmParams = {
      ...BINANCE_PM_DEFAULTS,
      collateralRates: { BTC: 0.95, USDT: 1 },
      marginLeverage: 5,
    };
    const [r] = binancePmModel.evaluate(
      portfolio(
        [],
        [
          { currency: 'BTC', amount: 1 },
          { currency: 'BTC', amount: -0.5 },
        ],
      ),
      snapshot,
      p,
    );
    expect(r!.maintenanceMargin).toBeCloseTo(0.5 * 0.08 * 40_000, 9);
    expect(r!.equity).toBeCloseTo(0.5 * 40_000 * 0.95, 9);
    expect(r!.addOns[0]!.name).toBe('margin loan MM (BTC)');
  });

  it('a book with nothing to maintain has uniMMR null and status NORMAL', () => {
    const [r] = binancePmModel.evaluate(
      portfolio([], [{ currency: 'USDT', amount: 5 }]),
      { asOfMs: 0, underlyings: {} },
      { ...BINANCE_PM_DEFAULTS, collateralRates: { USDT: 1 } },
    );
    const d = r!.details as BinancePmDetails;
    expect(d.uniMMR).toBeNull();
    expect(d.status).toBe('NORMAL');
    expect(r!.maintenanceMargin).toBe(0);
  });

  it('bracket keys: own symbol, Binance symbol, pair', () => {
    expect(binanceBracketKeys(parseSymbol('BTC-USDT-SWAP'))).toEqual(['BTC-USDT-SWAP', 'BTCUSDT']);
    expect(binanceBracketKeys(parseSymbol('BTC-USD-SWAP'))).toEqual([
      'BTC-USD-SWAP',
      'BTCUSD_PERP',
      'BTCUSD',
    ]);
    expect(binanceBracketKeys(parseSymbol('BTC-USDT-250627'))).toEqual([
      'BTC-USDT-250627',
      'BTCUSDT_250627',
      'BTCUSDT',
    ]);
  });

  it('fails closed: no bracket table, notional above the last cap, options', () => {
    const snapshot: MarketSnapshot = {
      asOfMs: Date.UTC(2025, 0, 1),
      underlyings: { BTC: market('BTC', 40_000) },
    };
    const book = portfolio([{ instrument: BTCUSDT, size: 1 }]);
    try {
      binancePmModel.evaluate(book, snapshot, BINANCE_PM_DEFAULTS);
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
      expect(String(e)).toMatch(/leverageBracket/);
    }
    const capped: MaintenanceBracket[] = [
      { notionalFloor: 0, notionalCap: 10_000, maintMarginRatio: 0.01, cum: 0 },
    ];
    expect(() =>
      binancePmModel.evaluate(book, snapshot, {
        ...BINANCE_PM_DEFAULTS,
        brackets: { BTCUSDT: capped },
      }),
    ).toThrow(/above the largest bracket cap/);
    const opt = parseSymbol('BTC-USD-250627-50000-C');
    try {
      binancePmModel.evaluate(
        portfolio([{ instrument: opt, size: 1 }]),
        snapshot,
        BINANCE_PM_DEFAULTS,
      );
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'UNSUPPORTED')).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { accountHealth } from '../../src/account/health.ts';
import { isBallastError } from '../../src/core/errors.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { settlementPools } from '../../src/margin/book.ts';
import { combinePools } from '../../src/margin/combine.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { deribitXpmModel } from '../../src/margin/deribit-pm/cross-pm.ts';
import { MARGIN_MODELS } from '../../src/margin/registry.ts';
import { totalsUsd } from '../../src/margin/usd-totals.ts';
import { whatIf } from '../../src/margin/what-if.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { loadSnapshotFile } from '../../src/io/load-market.ts';

// A currency whose balances sum to non-zero is a margin pool even with no position settling in
// it (margin/book.ts `settlementPools`): its collateral counts in every model's equity and USD
// totals, a loan is never dropped, and every model answers on such a book.
const snapshot = loadSnapshotFile('examples/btc-eth-snapshot.json');
const btc = snapshot.underlyings.BTC!.index;
const eth = snapshot.underlyings.ETH!.index;
const cash = portfolio(
  [],
  [
    { currency: 'BTC', amount: 4 },
    { currency: 'USDC', amount: 1000 },
  ],
);
const loan = portfolio([], [{ currency: 'ETH', amount: -2 }]);
const perp = { instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: 1 };

/** The segregated models: one pool per currency, balances at face value. */
const SEGREGATED = [
  'deribit-pm',
  'deribit-standard',
  'isolated',
  'var',
  'es',
  'span2',
  'stans',
] as const;
const model = (id: string) => MARGIN_MODELS.find((m) => m.id === id)!;

describe('settlementPools: positions and collateral', () => {
  it('positions settling currencies ∪ currencies whose balances sum to non-zero, sorted', () => {
    expect(settlementPools(cash)).toEqual(['BTC', 'USDC']);
    expect(settlementPools(loan)).toEqual(['ETH']);
    const mixed = portfolio([perp], [{ currency: 'ETH', amount: 3 }]);
    expect(settlementPools(mixed)).toEqual(['BTC', 'ETH']);
  });
  it('zero balances, and balances netting to exactly 0, form no pool', () => {
    const zero = portfolio(
      [],
      [
        { currency: 'ETH', amount: 0 },
        { currency: 'SOL', amount: 5 },
        { currency: 'SOL', amount: -5 },
      ],
    );
    expect(settlementPools(zero)).toEqual([]);
    expect(settlementPools(portfolio([], [{ currency: 'SOL', amount: -5 }]))).toEqual(['SOL']);
  });
});

describe('every model answers on a book with collateral and no positions', () => {
  it.each(MARGIN_MODELS.map((m) => m.id))('%s: finite results, USD equity > 0', (id) => {
    const m = model(id);
    const results = m.evaluate(cash, snapshot, m.defaultParams);
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) {
      expect(Number.isFinite(r.equity)).toBe(true);
      expect(r.initialMargin).toBeGreaterThanOrEqual(0);
      expect(r.maintenanceMargin).toBeGreaterThanOrEqual(0);
    }
    // Binance PM counts an asset at its collateral rate, 0 by default for unlisted assets.
    if (id !== 'binance-pm') expect(totalsUsd(results, snapshot).equity).toBeGreaterThan(0);
  });

  it.each(SEGREGATED)('%s: a pool per currency, IM = MM = 0, equity = the balance', (id) => {
    const m = model(id);
    const results = m.evaluate(cash, snapshot, m.defaultParams);
    expect(
      results.map((r) => [r.currency, r.initialMargin, r.maintenanceMargin, r.equity]),
    ).toEqual([
      ['BTC', 0, 0, 4],
      ['USDC', 0, 0, 1000],
    ]);
    // USD totals: the balances at the index (USDC at 1: the snapshot has no USDC index).
    expect(totalsUsd(results, snapshot).equity).toBe(4 * btc + 1000);
  });

  it.each(SEGREGATED)('%s: a loan with no position is a pool of negative equity', (id) => {
    const m = model(id);
    const results = m.evaluate(loan, snapshot, m.defaultParams);
    expect(results.map((r) => [r.currency, r.equity])).toEqual([['ETH', -2]]);
    expect(totalsUsd(results, snapshot).equity).toBe(-2 * eth);
  });

  it('every model but Derive (no negative collateral) counts the loan: USD equity < 0', () => {
    for (const m of MARGIN_MODELS) {
      if (m.id === 'derive-pm2') continue;
      const t = totalsUsd(m.evaluate(loan, snapshot, m.defaultParams), snapshot);
      expect(t.equity, m.id).toBeLessThan(0);
    }
  });

  it('Derive PM2: USDC cash alone is equity with no requirement; a coin is its underlying', () => {
    const m = model('derive-pm2');
    const usdc = m.evaluate(
      portfolio([], [{ currency: 'USDC', amount: 1000 }]),
      snapshot,
      m.defaultParams,
    );
    expect(usdc.map((r) => [r.currency, r.initialMargin, r.maintenanceMargin, r.equity])).toEqual([
      ['USDC', 0, 0, 1000],
    ]);
    const coin = m.evaluate(cash, snapshot, m.defaultParams)[0]!;
    expect(coin.currency).toBe('USDC');
    // The coin collateral falls in Derive's down scenarios: a requirement, at most its value.
    expect(coin.initialMargin).toBeGreaterThan(0);
    expect(coin.initialMargin).toBeLessThan(4 * btc);
    const two = portfolio(
      [],
      [
        { currency: 'BTC', amount: 1 },
        { currency: 'ETH', amount: 1 },
      ],
    );
    expect(() => m.evaluate(two, snapshot, m.defaultParams)).toThrow(/BTC, ETH/);
  });
});

describe('a collateral pool changes no other pool', () => {
  it('deribit-pm: the BTC pool is the same bits with or without an ETH balance', () => {
    const p = deribitPmModel.defaultParams;
    const alone = deribitPmModel.evaluate(portfolio([perp]), snapshot, p);
    const withEth = deribitPmModel.evaluate(
      portfolio([perp], [{ currency: 'ETH', amount: 3 }]),
      snapshot,
      p,
    );
    expect(withEth.map((r) => r.currency)).toEqual(['BTC', 'ETH']);
    const [a, b] = [alone[0]!, withEth[0]!];
    expect([b.initialMargin, b.maintenanceMargin, b.equity]).toEqual([
      a.initialMargin,
      a.maintenanceMargin,
      a.equity,
    ]);
    expect(withEth[1]).toMatchObject({ initialMargin: 0, maintenanceMargin: 0, equity: 3 });
    const c = combinePools('deribit-pm', '1.0.0', withEth, snapshot);
    expect(c.equity).toBe(a.equity * btc + 3 * eth);
    expect(c.initialMargin).toBe(a.initialMargin * btc);
  });
});

describe('deribit-xpm: the equity side impact of a coin balance without positions', () => {
  it('|E|·S·price_range is charged on the BTC collateral (it was 0 when the pool was dropped)', () => {
    const p = deribitXpmModel.defaultParams;
    const r = deribitXpmModel.evaluate(cash, snapshot, p)[0]!;
    const range = p.spm.model_params.currency_pair.btc_usd!.price_range;
    expect(r.initialMargin).toBeCloseTo(4 * btc * range, 6);
    expect(r.maintenanceMargin).toBeCloseTo(4 * btc * range, 6);
  });
});

describe('USD totals fail closed on a collateral currency without a price', () => {
  const sol: Portfolio = portfolio([perp], [{ currency: 'SOL', amount: 5 }]);
  it.each(SEGREGATED)('%s: INVALID_INPUT naming balances.SOL, never valued at 0', (id) => {
    const m = model(id);
    const results = m.evaluate(sol, snapshot, m.defaultParams);
    expect(results.map((r) => r.currency)).toEqual(['BTC', 'SOL']);
    let err: unknown;
    try {
      totalsUsd(results, snapshot);
    } catch (e) {
      err = e;
    }
    expect(isBallastError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'balances.SOL' });
    expect(() => combinePools(id, '1', results, snapshot)).toThrow(/SOL/);
  });
});

describe('what-if: the collateral pools on both sides', () => {
  const usdcOnly = portfolio([perp], [{ currency: 'USDC', amount: 5000 }]);
  it.each(['deribit-pm', 'var', 'isolated'])(
    '%s: closing the BTC perp keeps the USDC collateral before and after',
    (id) => {
      const m = model(id);
      const w = whatIf(m, usdcOnly, snapshot, m.defaultParams, [{ ...perp, size: -1 }]);
      // no entry price: the perp is worth 0 at the mark; the fill at the mark realises nothing
      expect(w.beforeUsd.equity).toBe(5000);
      expect(w.afterUsd.equity).toBe(5000);
      expect(w.beforeUsd.initialMargin).toBeGreaterThan(0);
      expect(w.afterUsd.initialMargin).toBe(0);
    },
  );
  it.each(['deribit-pm', 'var'])('%s: a trade on a book of collateral only', (id) => {
    const m = model(id);
    const w = whatIf(m, cash, snapshot, m.defaultParams, [perp]);
    expect(w.before.map((r) => r.currency)).toEqual(['BTC', 'USDC']);
    expect(w.beforeUsd.equity).toBe(4 * btc + 1000);
    expect(w.afterUsd.equity).toBe(4 * btc + 1000);
    expect(w.afterUsd.initialMargin).toBeGreaterThan(0);
  });
});

describe('a pool of a loan alone is below its requirement (equity < MM = 0)', () => {
  it('utilization ∞ and the account in liquidation, not healthy', () => {
    const [r] = deribitPmModel.evaluate(loan, snapshot, deribitPmModel.defaultParams);
    expect(r!.utilization).toBe(Infinity);
    const h = accountHealth([r!], snapshot);
    expect(h.state).toBe('liquidation');
    expect(h.pools[0]!.mmUtilization).toBe(Infinity);
  });
});

describe('cross models fail closed on a balance without a price, naming it', () => {
  it.each(['okx-pm', 'binance-pm', 'cross', 'span', 'tims', 'deribit-xpm', 'derive-pm2'])(
    '%s',
    (id) => {
      const m = model(id);
      const sol = portfolio([], [{ currency: 'SOL', amount: 5 }]);
      let err: unknown;
      try {
        m.evaluate(sol, snapshot, m.defaultParams);
      } catch (e) {
        err = e;
      }
      expect(isBallastError(err)).toBe(true);
      expect((err as { field: string }).field).toMatch(/^balances(\.SOL|\[0\]\.currency)?$/);
    },
  );
});

/**
 * Deribit X:PM (src/margin/deribit-pm/cross-pm.ts) on the bundled BTC+ETH mixed book: the
 * assembly from the S:PM pools (IM = Σ S:PM IM × index + Σ |E|·S·price_range; equity =
 * haircut collateral + positions value), the open rules listed, the pooled collateral that
 * S:PM's segregated pools lack, and the row next to S:PM in `compare`.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSnapshotFile } from '../../src/io/load-market.ts';
import { importPortfolio } from '../../src/io/portfolio-input.ts';
import { readTextFile } from '../../src/io/read-json.ts';
import { compareModels, savingVsBaseline } from '../../src/margin/compare.ts';
import {
  DERIBIT_XPM_DEFAULT_PARAMS,
  DERIBIT_XPM_UNVERIFIED,
  deribitXpmModel,
} from '../../src/margin/deribit-pm/cross-pm.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { MARGIN_MODELS } from '../../src/margin/registry.ts';
import { portfolio } from '../../src/risk/portfolio.ts';

const file = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const snapshot = loadSnapshotFile(file('examples/btc-eth-snapshot.json'));
const book = importPortfolio(
  readTextFile(file('examples/mixed-book.json')),
  'mixed-book.json',
  snapshot,
).portfolio;
const px = (c: string) => (c === 'USDC' ? 1 : snapshot.underlyings[c]!.index);
const RANGE: Record<string, number> = { BTC: 0.16, ETH: 0.18 };

describe('Deribit X:PM', () => {
  const spm = deribitPmModel.evaluate(book, snapshot, deribitPmModel.defaultParams);
  const [x] = deribitXpmModel.evaluate(book, snapshot, DERIBIT_XPM_DEFAULT_PARAMS);

  it('IM = Σ S:PM pool IM in USD + equity side impact |E|·S·price_range of the coin pools', () => {
    expect(spm.map((r) => r.currency)).toEqual(['BTC', 'ETH', 'USDC']);
    const spmUsd = spm.reduce((s, r) => s + r.initialMargin * px(r.currency), 0);
    const side = spm
      .filter((r) => r.currency !== 'USDC')
      .reduce((s, r) => s + Math.abs(r.equity) * px(r.currency) * RANGE[r.currency]!, 0);
    expect(x!.currency).toBe('USD');
    expect(x!.initialMargin).toBeCloseTo(spmUsd + side, 6);
    expect(x!.addOns.find((a) => a.name === 'equity-side-impact')!.amount).toBeCloseTo(side, 6);
    expect(x!.maintenanceMargin).toBeCloseTo(
      spm.reduce((s, r) => s + r.maintenanceMargin * px(r.currency), 0) + side,
      6,
    );
  });

  it('equity = collateral after haircuts (5 % BTC/ETH, 0 USDC) + positions value in USD', () => {
    const collateral = 2 * px('BTC') * 0.95 + 40 * px('ETH') * 0.95 + 60000;
    const balance: Record<string, number> = { BTC: 2, ETH: 40, USDC: 60000 };
    const value = spm.reduce((s, r) => s + (r.equity - balance[r.currency]!) * px(r.currency), 0);
    expect(x!.equity).toBeCloseTo(collateral + value, 6);
  });

  it('lists the open X:PM rules (haircuts, equity side impact, correlation contingency) in unverified', () => {
    for (const u of Object.values(DERIBIT_XPM_UNVERIFIED)) expect(x!.unverified).toContain(u);
  });

  it('pools collateral: a BTC pool short of coin is covered by USDC, which S:PM cannot do', () => {
    const thin = portfolio(book.positions, [
      { currency: 'BTC', amount: 0.1 },
      { currency: 'ETH', amount: 40 },
      { currency: 'USDC', amount: 200000 },
    ]);
    const s = deribitPmModel.evaluate(thin, snapshot, deribitPmModel.defaultParams);
    const btc = s.find((r) => r.currency === 'BTC')!;
    expect(btc.utilization).toBeGreaterThan(1);
    const [xt] = deribitXpmModel.evaluate(thin, snapshot, DERIBIT_XPM_DEFAULT_PARAMS);
    expect(xt!.utilization).toBeLessThan(1);
  });

  it('shows next to S:PM in compare, with its saving column', () => {
    const ids = MARGIN_MODELS.map((m) => m.id);
    expect(ids.indexOf('deribit-xpm')).toBe(ids.indexOf('deribit-pm') + 1);
    const c = compareModels(book, snapshot);
    const row = c.rows.find((r) => r.model === 'deribit-xpm')!;
    expect(row.error).toBeUndefined();
    expect(row.initialMarginUsd).toBeCloseTo(x!.initialMargin, 6);
    const saving = savingVsBaseline(row, c.baselineUsd)!;
    expect(saving).toBeCloseTo(1 - x!.initialMargin / c.baselineUsd!, 12);
  });
});

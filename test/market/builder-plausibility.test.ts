/**
 * The snapshot builder's plausibility rules on the bundled recorded Deribit book (issue 9
 * reproducers): a future quoted at 50× spot is not taken as the forward, a strike of −2000 and
 * a maturity in 2020 are dropped, option premia ×100 fall outside the no-arbitrage bounds and
 * are dropped; each is reported in the snapshot's warnings, never silently.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRawMarketFile } from '../../src/io/load-market.ts';
import { buildSnapshot } from '../../src/market/build-snapshot.ts';
import type { RawMarket } from '../../src/market/raw-market.ts';

const FILE = fileURLToPath(
  new URL('../../data/deribit-quantflow/deribit_btc.json.gz', import.meta.url),
);
const full = loadRawMarketFile(FILE).markets[0]!;
/** The recorded book with the options of two expiries only (fast fits). */
const raw = (): RawMarket => ({
  ...full,
  options: full.options.filter((o) => /-(25SEP26|25DEC26)-/.test(o.symbol)),
});

const base = buildSnapshot([raw()]).snapshot;
const btc = base.underlyings.BTC!;

describe('market builder plausibility rules', () => {
  it('a future quoted at 50× spot is dropped with a warning; the forward stays the parity/futures one', () => {
    const r = raw();
    const f = r.futures.find((x) => x.symbol === 'BTC-25SEP26')!;
    const bad = { ...f, bid: f.bid * 50, ask: f.ask * 50 };
    const s = buildSnapshot([
      { ...r, futures: r.futures.map((x) => (x === f ? bad : x)) },
    ]).snapshot;
    expect(
      s.warnings!.some((w) => w.includes('BTC-25SEP26') && w.includes('not within a factor 2')),
    ).toBe(true);
    const fwd = s.underlyings.BTC!.forwards.find((x) => x.expiryMs === f.expiryMs)!;
    expect(fwd.forward / btc.index).toBeLessThan(1.1);
    expect(fwd.source).toBe('put-call-parity');
  });

  it('an option with a strike of −2000 is dropped with a warning', () => {
    const r = raw();
    const o = r.options[0]!;
    const s = buildSnapshot([
      { ...r, options: [...r.options, { ...o, strike: -2000, symbol: 'BAD-STRIKE' }] },
    ]).snapshot;
    expect(s.warnings).toContain('BTC: option BAD-STRIKE has strike -2000; dropped');
    expect(s.underlyings.BTC!.surface).toEqual(btc.surface);
  });

  it('quotes of a maturity in 2020 are dropped with a warning', () => {
    const r = raw();
    const expiryMs = Date.UTC(2020, 2, 27, 8);
    const s = buildSnapshot([
      {
        ...r,
        futures: [...r.futures, { symbol: 'BTC-27MAR20', expiryMs, bid: 6000, ask: 6010 }],
        options: [...r.options, { ...r.options[0]!, expiryMs, symbol: 'BTC-27MAR20-6000-C' }],
      },
    ]).snapshot;
    expect(s.warnings!.filter((w) => /expired at or before/.test(w))).toEqual([
      'BTC: 1 futures expired at or before 2026-08-01T17:58:04.320Z were dropped',
      'BTC: 1 options expired at or before 2026-08-01T17:58:04.320Z were dropped',
    ]);
    expect(s.underlyings.BTC!.forwards).toEqual(btc.forwards);
  });

  it('option premia ×100 are outside the no-arbitrage bounds: dropped and reported', () => {
    const r = raw();
    const s = buildSnapshot([
      {
        ...r,
        options: r.options.map((o) =>
          o.symbol.includes('25SEP26') && o.bid !== undefined && o.ask !== undefined
            ? { ...o, bid: o.bid * 100, ask: o.ask * 100 }
            : o,
        ),
      },
    ]).snapshot;
    const w = s.warnings!.find((x) => /outside the no-arbitrage bounds/.test(x))!;
    const n = Number(/^BTC: (\d+) option mids outside the no-arbitrage bounds/.exec(w)![1]);
    // Every ×100 Sep mid that was an OTM quote with both sides is above its bound except the
    // cheapest wings (a call premium below 0.01 coin ×100 is still below 1 coin = F).
    expect(n).toBeGreaterThan(10);
    expect(buildSnapshot([raw()]).snapshot.warnings!.some((x) => /no-arbitrage/.test(x))).toBe(
      false,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { importRawMarket } from '../../src/io/import-market.ts';
import { buildSnapshot } from '../../src/market/build-snapshot.ts';
import { isBallastError } from '../../src/core/errors.ts';

const api = JSON.parse(
  readFileSync(
    new URL('../fixtures/market/deribit-api-book-summary.json', import.meta.url),
    'utf8',
  ),
) as unknown;

describe('Deribit API book summary importer', () => {
  it('reads the index from estimated_delivery_price, the as-of time from creation_timestamp', () => {
    const r = importRawMarket(api, 'api.json');
    expect(r.format).toBe('deribit-api');
    const m = r.markets[0]!;
    expect(m.underlying).toBe('BTC');
    expect(m.asOfMs).toBe(1785607084000);
    expect(m.index).toEqual({ bid: 62690.12, ask: 62690.12 });
    expect(m.perpetual?.symbol).toBe('BTC-PERPETUAL');
    expect(m.futures.map((f) => f.symbol)).toEqual(['BTC-25SEP26']);
    expect(m.options).toHaveLength(14);
    expect(m.options.every((o) => o.premium === 'coin')).toBe(true);
  });

  it('builds a snapshot: forward from the future mid, a butterfly-free slice, the perp basis against the index', () => {
    const { snapshot, slices } = buildSnapshot(importRawMarket(api, 'api.json').markets);
    const btc = snapshot.underlyings.BTC!;
    expect(btc.index).toBe(62690.12);
    expect(btc.perpBasis).toBeCloseTo(62687.75 - 62690.12, 10);
    expect(btc.forwards[0]!).toMatchObject({ forward: 63075, source: 'future' });
    const s = slices.BTC![0]!;
    expect(s.butterfly?.arbitrageFree).toBe(true);
    expect(s.rmseVolPoints!).toBeLessThan(1);
  });

  it('rows that are not objects and a missing as-of time are typed errors naming the field', () => {
    try {
      importRawMarket(
        { result: [{ instrument_name: 'BTC-PERPETUAL', bid_price: 1, ask_price: 2 }] },
        'x.json',
      );
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
      expect((e as Error).message).toContain('x.json.result');
    }
    expect(() => importRawMarket({ result: [42] }, 'x.json')).toThrow(/x\.json\.result\[0\]/);
    expect(() => importRawMarket({ foo: 1 }, 'x.json')).toThrow(/unrecognised market file/);
  });
});

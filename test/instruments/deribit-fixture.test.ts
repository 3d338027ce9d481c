import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { isBallastError } from '../../src/core/errors.ts';
import { formatSymbol, parseDeribitSymbol, parseSymbol } from '../../src/instruments/index.ts';

// Real Deribit instrument list (quantflow fixture, BSD-3-Clause; see data/deribit-quantflow/README.md).
interface RawInstrument {
  instrument_name: string;
  expiration_timestamp: number;
  settlement_period?: string;
  strike?: number;
  option_type?: 'call' | 'put';
}
interface Fixture {
  as_of: string;
  futures: { instrument_name: string }[];
  options: { instrument_name: string }[];
  instruments: RawInstrument[];
}
const fixture = JSON.parse(
  gunzipSync(
    readFileSync(new URL('../../data/deribit-quantflow/deribit_btc.json.gz', import.meta.url)),
  ).toString('utf8'),
) as Fixture;

/** Combos/strategies (`BTC-FS-...`, `BTC-CS-...`): second part is a strategy code, not a date. */
const isCombo = (name: string) => /^[A-Z]+-[A-Z]+[0-9]*-/.test(name);

describe('Deribit fixture: every real instrument name', () => {
  const singles = fixture.instruments.filter((r) => !isCombo(r.instrument_name));
  const combos = fixture.instruments.filter((r) => isCombo(r.instrument_name));

  it('has the expected content', () => {
    expect(fixture.instruments.length).toBe(987);
    expect(singles.length).toBeGreaterThan(850);
    expect(combos.length).toBeGreaterThan(50);
  });

  it('parses, detects Deribit, round-trips, and matches expiry/strike/type', () => {
    const kinds: Record<string, number> = {};
    for (const r of singles) {
      const name = r.instrument_name;
      const i = parseSymbol(name);
      expect(i.venue, name).toBe('deribit');
      expect(parseDeribitSymbol(name), name).toEqual(i);
      expect(formatSymbol(i), name).toBe(name);
      kinds[i.kind] = (kinds[i.kind] ?? 0) + 1;
      if (i.kind === 'future' || i.kind === 'option') {
        expect(i.expiryMs, name).toBe(r.expiration_timestamp);
      } else {
        // Deribit gives perpetuals and spot pairs a far-future placeholder expiry.
        expect(r.expiration_timestamp, name).toBe(Date.UTC(3000, 0, 1, 8));
      }
      if (i.kind === 'option') {
        expect(i.strike, name).toBe(r.strike);
        expect(i.right, name).toBe(r.option_type);
        expect(i.settlement, name).toBe('inverse');
        expect(i.contract, name).toEqual({ size: 1, unit: 'base' });
      } else {
        expect(r.strike, name).toBeUndefined();
      }
      if (i.kind === 'perpetual') expect(r.settlement_period, name).toBe('perpetual');
      if (i.kind === 'spot') expect(name, name).toMatch(/^[A-Z]+_[A-Z]+$/);
    }
    expect(kinds).toEqual({ perpetual: 1, spot: 4, future: 13, option: expect.any(Number) });
  });

  it('every futures and options book row parses', () => {
    for (const r of [...fixture.futures, ...fixture.options]) {
      expect(() => parseSymbol(r.instrument_name, 'deribit'), r.instrument_name).not.toThrow();
    }
  });

  it('rejects combos with INVALID_SYMBOL naming the expiry part', () => {
    for (const r of combos) {
      let err: unknown;
      try {
        parseSymbol(r.instrument_name, 'deribit');
      } catch (e) {
        err = e;
      }
      expect(isBallastError(err, 'INVALID_SYMBOL'), r.instrument_name).toBe(true);
      expect((err as Error).message).toMatch(/combos and strategies are not supported/);
    }
  });
});

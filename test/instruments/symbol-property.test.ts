import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { daysInMonth, formatSymbol, parseSymbol } from '../../src/instruments/index.ts';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** A valid calendar date (year in [y0, y1]). */
const date = (y0: number, y1: number) =>
  fc
    .tuple(fc.integer({ min: y0, max: y1 }), fc.integer({ min: 1, max: 12 }))
    .chain(([y, m]) =>
      fc.tuple(fc.constant(y), fc.constant(m), fc.integer({ min: 1, max: daysInMonth(y, m) })),
    );

const coin = fc.constantFrom('BTC', 'ETH', 'SOL', 'XRP', 'DOGE', '1INCH', 'AVAX');

/** Canonical strike text: integer part without leading zeros, fraction without trailing zeros. */
const strike = (sep: string) =>
  fc
    .tuple(
      fc.oneof(fc.integer({ min: 1, max: 2_000_000 }), fc.constant(0)),
      fc.option(
        fc.integer({ min: 1, max: 9999 }).map((f) => String(f).replace(/0+$/, '')),
        { nil: undefined },
      ),
    )
    .filter(([i, f]) => i > 0 || f !== undefined)
    .map(([i, f]) => (f === undefined ? String(i) : `${i}${sep}${f}`));

const right = fc.constantFrom('C', 'P');

const deribit = fc.oneof(
  coin.map((c) => `${c}-PERPETUAL`),
  coin.map((c) => `${c}_USDC-PERPETUAL`),
  fc
    .tuple(coin, fc.boolean(), date(2000, 2099))
    .map(
      ([c, lin, [y, m, d]]) => `${c}${lin ? '_USDC' : ''}-${d}${MONTHS[m - 1]}${pad(y - 2000, 2)}`,
    ),
  fc
    .tuple(coin, fc.boolean(), date(2000, 2099), strike('d'), right)
    .map(
      ([c, lin, [y, m, d], k, r]) =>
        `${c}${lin ? '_USDC' : ''}-${d}${MONTHS[m - 1]}${pad(y - 2000, 2)}-${k}-${r}`,
    ),
  fc.tuple(coin, fc.constantFrom('USDC', 'USDT', 'BTC', 'USDE')).map(([c, q]) => `${c}_${q}`),
);

const okx = fc.oneof(
  fc.tuple(coin, fc.constantFrom('USD', 'USDT')).map(([c, q]) => `${c}-${q}-SWAP`),
  fc
    .tuple(coin, fc.constantFrom('USD', 'USDT'), date(2000, 2099))
    .map(([c, q, [y, m, d]]) => `${c}-${q}-${pad(y - 2000, 2)}${pad(m, 2)}${pad(d, 2)}`),
  fc
    .tuple(coin, date(2000, 2099), strike('.'), right)
    .map(
      ([c, [y, m, d], k, r]) => `${c}-USD-${pad(y - 2000, 2)}${pad(m, 2)}${pad(d, 2)}-${k}-${r}`,
    ),
  fc.tuple(coin, fc.constantFrom('USDT', 'USDC', 'BTC')).map(([c, q]) => `${c}-${q}`),
);

const derive = fc.oneof(
  coin.map((c) => `${c}-PERP`),
  fc
    .tuple(coin, date(1970, 9999), strike('.'), right)
    .map(([c, [y, m, d], k, r]) => `${c}-${pad(y, 4)}${pad(m, 2)}${pad(d, 2)}-${k}-${r}`),
);

describe('property: format(parse(s)) === s', () => {
  it('Deribit', () => {
    fc.assert(
      fc.property(deribit, (s) => {
        const i = parseSymbol(s);
        expect(i.venue).toBe('deribit');
        expect(formatSymbol(i)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
  it('OKX', () => {
    fc.assert(
      fc.property(okx, (s) => {
        const i = parseSymbol(s);
        expect(i.venue).toBe('okx');
        expect(formatSymbol(i)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
  it('Derive', () => {
    fc.assert(
      fc.property(derive, (s) => {
        const i = parseSymbol(s);
        expect(i.venue).toBe('derive');
        expect(formatSymbol(i)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
  it('parsed expiries are 08:00 UTC', () => {
    fc.assert(
      fc.property(fc.oneof(deribit, okx, derive), (s) => {
        const i = parseSymbol(s);
        if ('expiryMs' in i) expect(i.expiryMs % 86_400_000).toBe(8 * 3_600_000);
      }),
      { numRuns: 1000 },
    );
  });
});

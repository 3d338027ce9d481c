import { describe, expect, it } from 'vitest';
import { BallastError, isBallastError } from '../../src/core/errors.ts';
import {
  assertNotExpired,
  CONTRACT_SPECS,
  contractSpecFor,
  expiryFromDate,
  formatDeribitSymbol,
  formatDeriveSymbol,
  formatOkxSymbol,
  formatSymbol,
  fromBaseUnits,
  lookupContractSpec,
  parseDeribitSymbol,
  parseDeriveSymbol,
  parseOkxSymbol,
  parseSymbol,
  toBaseUnits,
  venueSizeUnit,
  type Instrument,
} from '../../src/instruments/index.ts';

const utc8 = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d, 8, 0, 0);

/** Calls `f`, expects a BallastError with `code`, returns it. */
function thrown(f: () => unknown, code = 'INVALID_SYMBOL'): BallastError {
  try {
    f();
  } catch (e) {
    expect(isBallastError(e), String(e)).toBe(true);
    expect((e as BallastError).code).toBe(code);
    return e as BallastError;
  }
  throw new Error('expected a throw');
}

interface Case {
  symbol: string;
  expect: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    symbol: 'BTC-27DEC24-50000-C',
    expect: {
      venue: 'deribit',
      kind: 'option',
      underlying: 'BTC',
      quote: 'USD',
      settlementCurrency: 'BTC',
      settlement: 'inverse',
      contract: { size: 1, unit: 'base' },
      expiryMs: utc8(2024, 12, 27),
      strike: 50000,
      right: 'call',
    },
  },
  {
    symbol: 'ETH-27DEC24-3000-P',
    expect: {
      venue: 'deribit',
      kind: 'option',
      underlying: 'ETH',
      quote: 'USD',
      settlementCurrency: 'ETH',
      settlement: 'inverse',
      contract: { size: 1, unit: 'base' },
      expiryMs: utc8(2024, 12, 27),
      strike: 3000,
      right: 'put',
    },
  },
  {
    symbol: 'BTC-PERPETUAL',
    expect: {
      venue: 'deribit',
      kind: 'perpetual',
      underlying: 'BTC',
      quote: 'USD',
      settlementCurrency: 'BTC',
      settlement: 'inverse',
      contract: { size: 10, unit: 'usd' },
    },
  },
  {
    symbol: 'ETH-PERPETUAL',
    expect: {
      venue: 'deribit',
      kind: 'perpetual',
      underlying: 'ETH',
      quote: 'USD',
      settlementCurrency: 'ETH',
      settlement: 'inverse',
      contract: { size: 1, unit: 'usd' },
    },
  },
  {
    symbol: 'BTC_USDC-PERPETUAL',
    expect: {
      venue: 'deribit',
      kind: 'perpetual',
      underlying: 'BTC',
      quote: 'USDC',
      settlementCurrency: 'USDC',
      settlement: 'linear',
      contract: { size: 0.001, unit: 'base' },
    },
  },
  {
    symbol: 'ETH_USDC-PERPETUAL',
    expect: { kind: 'perpetual', settlement: 'linear', contract: { size: 0.01, unit: 'base' } },
  },
  {
    symbol: 'SOL_USDC-PERPETUAL',
    expect: { kind: 'perpetual', underlying: 'SOL', contract: { size: 0.1, unit: 'base' } },
  },
  {
    symbol: 'BTC-27DEC24',
    expect: {
      venue: 'deribit',
      kind: 'future',
      underlying: 'BTC',
      quote: 'USD',
      settlementCurrency: 'BTC',
      settlement: 'inverse',
      contract: { size: 10, unit: 'usd' },
      expiryMs: utc8(2024, 12, 27),
    },
  },
  {
    symbol: 'BTC-3AUG26',
    expect: {
      venue: 'deribit',
      kind: 'future',
      expiryMs: utc8(2026, 8, 3),
      contract: { size: 10, unit: 'usd' },
    },
  },
  {
    symbol: 'BTC_USDC-27DEC24',
    expect: {
      venue: 'deribit',
      kind: 'future',
      settlement: 'linear',
      quote: 'USDC',
      settlementCurrency: 'USDC',
      expiryMs: utc8(2024, 12, 27),
      contract: { size: 0.001, unit: 'base' },
    },
  },
  {
    symbol: 'SOL_USDC-27DEC24-150-P',
    expect: {
      venue: 'deribit',
      kind: 'option',
      underlying: 'SOL',
      quote: 'USDC',
      settlementCurrency: 'USDC',
      settlement: 'linear',
      contract: { size: 1, unit: 'base' },
      expiryMs: utc8(2024, 12, 27),
      strike: 150,
      right: 'put',
    },
  },
  {
    symbol: 'BTC_USDC-27DEC24-100000-C',
    expect: {
      kind: 'option',
      settlement: 'linear',
      contract: { size: 0.01, unit: 'base' },
      strike: 100000,
    },
  },
  {
    symbol: 'ETH_USDC-27DEC24-4000-C',
    expect: { kind: 'option', settlement: 'linear', contract: { size: 0.1, unit: 'base' } },
  },
  {
    symbol: 'XRP_USDC-27DEC24-0d5-C',
    expect: {
      kind: 'option',
      underlying: 'XRP',
      strike: 0.5,
      right: 'call',
      settlementCurrency: 'USDC',
    },
  },
  {
    symbol: 'BTC_USDC',
    expect: {
      venue: 'deribit',
      kind: 'spot',
      underlying: 'BTC',
      quote: 'USDC',
      settlement: 'linear',
    },
  },
  {
    symbol: 'ETH_BTC',
    expect: {
      venue: 'deribit',
      kind: 'spot',
      underlying: 'ETH',
      quote: 'BTC',
      settlementCurrency: 'BTC',
    },
  },
  {
    symbol: 'BTC-USD-SWAP',
    expect: {
      venue: 'okx',
      kind: 'perpetual',
      underlying: 'BTC',
      quote: 'USD',
      settlementCurrency: 'BTC',
      settlement: 'inverse',
      contract: { size: 100, unit: 'usd' },
    },
  },
  {
    symbol: 'ETH-USD-SWAP',
    expect: {
      venue: 'okx',
      kind: 'perpetual',
      settlement: 'inverse',
      contract: { size: 10, unit: 'usd' },
    },
  },
  {
    symbol: 'BTC-USDT-SWAP',
    expect: {
      venue: 'okx',
      kind: 'perpetual',
      underlying: 'BTC',
      quote: 'USDT',
      settlementCurrency: 'USDT',
      settlement: 'linear',
      contract: { size: 0.01, unit: 'base' },
    },
  },
  {
    symbol: 'ETH-USDT-SWAP',
    expect: {
      venue: 'okx',
      kind: 'perpetual',
      settlement: 'linear',
      contract: { size: 0.1, unit: 'base' },
    },
  },
  {
    symbol: 'BTC-USD-250328',
    expect: {
      venue: 'okx',
      kind: 'future',
      underlying: 'BTC',
      quote: 'USD',
      settlementCurrency: 'BTC',
      settlement: 'inverse',
      contract: { size: 100, unit: 'usd' },
      expiryMs: utc8(2025, 3, 28),
    },
  },
  {
    symbol: 'BTC-USDT-250328',
    expect: {
      venue: 'okx',
      kind: 'future',
      settlement: 'linear',
      settlementCurrency: 'USDT',
      contract: { size: 0.01, unit: 'base' },
      expiryMs: utc8(2025, 3, 28),
    },
  },
  {
    symbol: 'BTC-USD-250328-100000-C',
    expect: {
      venue: 'okx',
      kind: 'option',
      underlying: 'BTC',
      quote: 'USD',
      settlementCurrency: 'BTC',
      settlement: 'inverse',
      contract: { size: 0.01, unit: 'base' },
      expiryMs: utc8(2025, 3, 28),
      strike: 100000,
      right: 'call',
    },
  },
  {
    symbol: 'ETH-USD-250328-2500.5-P',
    expect: {
      venue: 'okx',
      kind: 'option',
      underlying: 'ETH',
      contract: { size: 0.1, unit: 'base' },
      strike: 2500.5,
    },
  },
  {
    symbol: 'BTC-USDT',
    expect: {
      venue: 'okx',
      kind: 'spot',
      underlying: 'BTC',
      quote: 'USDT',
      settlementCurrency: 'USDT',
    },
  },
  {
    symbol: 'ETH-20250228-4000-C',
    expect: {
      venue: 'derive',
      kind: 'option',
      underlying: 'ETH',
      quote: 'USDC',
      settlementCurrency: 'USDC',
      settlement: 'linear',
      contract: { size: 1, unit: 'base' },
      expiryMs: utc8(2025, 2, 28),
      strike: 4000,
      right: 'call',
    },
  },
  {
    symbol: 'ETH-PERP',
    expect: {
      venue: 'derive',
      kind: 'perpetual',
      underlying: 'ETH',
      quote: 'USDC',
      settlementCurrency: 'USDC',
      settlement: 'linear',
      contract: { size: 1, unit: 'base' },
    },
  },
  {
    symbol: 'BTC-PERP',
    expect: {
      venue: 'derive',
      kind: 'perpetual',
      underlying: 'BTC',
      contract: { size: 1, unit: 'base' },
    },
  },
];

describe('venue symbols: parse, fields, round trip', () => {
  for (const c of CASES) {
    it(c.symbol, () => {
      const i = parseSymbol(c.symbol);
      expect(i).toMatchObject({ symbol: c.symbol, ...c.expect });
      expect(formatSymbol(i)).toBe(c.symbol);
      // Venue-specific entry points agree with the generic one.
      const venueParse = {
        deribit: parseDeribitSymbol,
        okx: parseOkxSymbol,
        derive: parseDeriveSymbol,
      }[i.venue as 'deribit' | 'okx' | 'derive'];
      expect(venueParse(c.symbol)).toEqual(i);
      expect(parseSymbol(c.symbol, i.venue)).toEqual(i);
      if ('expiryMs' in i) expect(new Date(i.expiryMs).toISOString()).toMatch(/T08:00:00\.000Z$/);
    });
  }

  it('has no perpetual/spot expiry and no strike on futures', () => {
    expect(parseSymbol('BTC-PERPETUAL')).not.toHaveProperty('expiryMs');
    expect(parseSymbol('BTC-27DEC24')).not.toHaveProperty('strike');
  });
});

describe('venue detection', () => {
  it('detects the venue of each form', () => {
    const venues: Record<string, string> = {
      'BTC-27DEC24-50000-C': 'deribit',
      'BTC-PERPETUAL': 'deribit',
      'BTC_USDC-PERPETUAL': 'deribit',
      'BTC-3AUG26': 'deribit',
      'BTC-USD-SWAP': 'okx',
      'BTC-USDT-SWAP': 'okx',
      'BTC-USD-250328': 'okx',
      'BTC-USD-250328-100000-C': 'okx',
      'ETH-20250228-4000-C': 'derive',
      'ETH-PERP': 'derive',
    };
    for (const [s, v] of Object.entries(venues)) expect(parseSymbol(s).venue, s).toBe(v);
  });

  it('uses only the given venue and says when the symbol belongs to another', () => {
    const e = thrown(() => parseSymbol('BTC-PERPETUAL', 'okx'));
    expect(e.message).toMatch(/valid Deribit symbol/);
    expect(thrown(() => parseSymbol('BTC-USD-SWAP', 'derive')).message).toMatch(/valid OKX symbol/);
    expect(thrown(() => parseSymbol('ETH-PERP', 'deribit')).message).toMatch(/valid Derive symbol/);
  });

  it('refuses the generic venue (no grammar)', () => {
    expect(thrown(() => parseSymbol('BTC-PERPETUAL', 'generic')).message).toMatch(/generic/);
  });

  it('reports the error of the venue the text resembles', () => {
    expect(thrown(() => parseSymbol('BTC-32DEC24-1-C')).details).toMatchObject({
      venue: 'Deribit',
    });
    expect(thrown(() => parseSymbol('BTC-USD-250231')).details).toMatchObject({ venue: 'OKX' });
    expect(thrown(() => parseSymbol('ETH-20250230-4000-C')).details).toMatchObject({
      venue: 'Derive',
    });
  });
});

describe('malformed symbols throw INVALID_SYMBOL naming the bad part', () => {
  const bad: [string, RegExp][] = [
    ['BTC-32DEC24-1-C', /expiry.*day 32/],
    ['BTC-31FEB25', /expiry.*day 31/],
    ['BTC-29FEB25', /expiry.*day 29/],
    ['BTC-27XYZ24-1-C', /expiry.*month "XYZ"/],
    ['BTC-03AUG26', /expiry.*leading zero/],
    ['BTC-27dec24', /expiry.*upper-case/],
    ['btc-PERPETUAL', /underlying.*upper-case/],
    ['BTC-27DEC24-5e4-C', /strike/],
    ['BTC-27DEC24--1-C', /strike.*> 0/],
    ['BTC-27DEC24-0-C', /strike.*> 0/],
    ['BTC-27DEC24--C', /strike.*empty/],
    ['BTC-27DEC24-050000-C', /strike/],
    ['BTC-27DEC24-0d50-C', /strike/],
    ['BTC-27DEC24-1.5-C', /strike.*0d5/],
    ['BTC-27DEC24-50000', /option right/],
    ['BTC-27DEC24-50000-X', /option right.*"X"/],
    ['BTC-PERPETUAL-X', /nothing may follow PERPETUAL/],
    ['BTC_USDT-PERPETUAL', /quote currency.*USDC/],
    ['BTC_USDC_X', /currency pair/],
    ['BTC-FS-14AUG26_2AUG26', /expiry.*combos/],
    ['FOO', /expected Deribit .* OKX .* Derive/],
    ['', /empty/],
    [' BTC-PERPETUAL', /whitespace/],
    ['BTC-USD-250231', /expiry.*day 31/],
    ['BTC-USD-251301', /expiry.*month 13/],
    ['BTC-USD-25032', /expiry/],
    ['BTC-USD-SWAP-1', /nothing may follow SWAP/],
    ['BTC-USDC-SWAP', /quote currency.*USDT/],
    ['BTC-USDT-250328-100000-C', /quote currency.*coin-margined/],
    ['BTC-USD-250328-1e5-C', /strike/],
    ['BTC-USD-250328-100000.0-C', /strike/],
    ['BTC-USD-250328-100000-Q', /option right/],
    ['ETH-20250231-4000-C', /expiry.*day 31/],
    ['ETH-20250228', /option right.*no dated futures/],
    ['ETH-20250228-4000d5-C', /strike/],
    ['ETH-20250228-0-P', /strike/],
    ['ETH-PERP-X', /nothing may follow PERP/],
  ];
  for (const [s, re] of bad) {
    it(JSON.stringify(s), () => {
      const e = thrown(() => parseSymbol(s));
      expect(e.field).toBe('symbol');
      expect(e.message).toMatch(/^symbol: /);
      expect(e.message).toMatch(re);
      expect(e.message).toMatch(/expected/);
    });
  }

  it('uses the given field name', () => {
    const e = thrown(() => parseSymbol('FOO', undefined, 'positions[3].symbol'));
    expect(e.field).toBe('positions[3].symbol');
    expect(thrown(() => parseDeribitSymbol('BTC-0DEC24', 'legs[0]')).field).toBe('legs[0]');
    expect(thrown(() => parseSymbol('BTC-0DEC24', 'deribit', 'x')).field).toBe('x');
  });

  it('rejects non-strings', () => {
    thrown(() => parseSymbol(undefined as unknown as string));
    thrown(() => parseDeribitSymbol(42 as unknown as string));
  });
});

describe('formatting', () => {
  it('formats a twin on another venue when one exists', () => {
    expect(formatDeribitSymbol(parseSymbol('BTC-USD-250328-100000-C'))).toBe(
      'BTC-28MAR25-100000-C',
    );
    expect(formatOkxSymbol(parseSymbol('BTC-27DEC24'))).toBe('BTC-USD-241227');
    expect(formatDeribitSymbol(parseSymbol('ETH-20250228-4000-C'))).toBe('ETH_USDC-28FEB25-4000-C');
    expect(formatDeriveSymbol(parseSymbol('ETH_USDC-28FEB25-4000-C'))).toBe('ETH-20250228-4000-C');
  });

  it('refuses contracts without a symbol on the venue', () => {
    expect(thrown(() => formatDeribitSymbol(parseSymbol('BTC-USDT-SWAP'))).message).toMatch(
      /Deribit/,
    );
    expect(thrown(() => formatDeriveSymbol(parseSymbol('BTC-27DEC24'))).message).toMatch(/Derive/);
    expect(thrown(() => formatOkxSymbol(parseSymbol('ETH-20250228-4000-C'))).message).toMatch(
      /OKX/,
    );
    const opt = parseSymbol('BTC-27DEC24-50000-C') as Extract<Instrument, { kind: 'option' }>;
    expect(thrown(() => formatSymbol({ ...opt, expiryMs: opt.expiryMs + 1 })).message).toMatch(
      /08:00 UTC/,
    );
    expect(thrown(() => formatSymbol({ ...opt, strike: -1 } as Instrument)).message).toMatch(
      /strike/,
    );
    expect(
      thrown(() => formatSymbol({ ...opt, strike: Number.NaN } as Instrument)).message,
    ).toMatch(/strike/);
    const digital: Instrument = {
      ...opt,
      kind: 'digital',
      payoff: 'cash-or-nothing',
      cash: 1,
    };
    expect(thrown(() => formatSymbol(digital)).message).toMatch(/digital/);
  });

  it('writes decimal and tiny strikes without exponent', () => {
    const opt = parseSymbol('XRP_USDC-27DEC24-0d5-C') as Extract<Instrument, { kind: 'option' }>;
    expect(formatSymbol({ ...opt, strike: 1e-7 })).toBe('XRP_USDC-27DEC24-0d0000001-C');
    expect(parseSymbol('XRP_USDC-27DEC24-0d0000001-C')).toMatchObject({ strike: 1e-7 });
    expect(formatSymbol({ ...opt, strike: 1e21 })).toBe(
      'XRP_USDC-27DEC24-1000000000000000000000-C',
    );
  });

  it('returns the stored symbol for generic instruments', () => {
    const g: Instrument = {
      symbol: 'MY-BTC-DIGITAL',
      venue: 'generic',
      kind: 'perpetual',
      underlying: 'BTC',
      quote: 'USD',
      settlementCurrency: 'USD',
      settlement: 'linear',
      contract: contractSpecFor('generic', 'perpetual', 'linear', 'BTC'),
    };
    expect(formatSymbol(g)).toBe('MY-BTC-DIGITAL');
  });
});

describe('expiry', () => {
  it('expiryFromDate is 08:00 UTC with a 1-based month', () => {
    expect(expiryFromDate(2024, 12, 27)).toBe(Date.UTC(2024, 11, 27, 8, 0, 0));
    expect(new Date(expiryFromDate(2026, 8, 3)).toISOString()).toBe('2026-08-03T08:00:00.000Z');
    expect(thrown(() => expiryFromDate(2025, 2, 31), 'INVALID_INPUT').field).toBe('date');
    thrown(() => expiryFromDate(2025, 13, 1), 'INVALID_INPUT');
    expect(expiryFromDate(2024, 2, 29)).toBe(Date.UTC(2024, 1, 29, 8));
  });

  it('assertNotExpired throws EXPIRED at or after expiry and passes before', () => {
    const i = parseSymbol('BTC-27DEC24-50000-C');
    const t = utc8(2024, 12, 27);
    expect(assertNotExpired(i, t - 1)).toBe(i);
    const e = thrown(() => assertNotExpired(i, t), 'EXPIRED');
    expect(e.field).toBe('symbol');
    expect(e.message).toMatch(/BTC-27DEC24-50000-C expired at 2024-12-27T08:00:00\.000Z/);
    expect(thrown(() => assertNotExpired(i, t + 1, 'legs[2]'), 'EXPIRED').field).toBe('legs[2]');
    // Undated instruments never expire.
    expect(assertNotExpired(parseSymbol('BTC-PERPETUAL'), 1e15)).toBeDefined();
    thrown(() => assertNotExpired(i, Number.NaN), 'NOT_FINITE');
  });
});

describe('venue size ↔ base units', () => {
  const p = (s: string) => parseSymbol(s);

  it('Deribit inverse futures/perps are USD amounts: coins = USD / price', () => {
    expect(venueSizeUnit(p('BTC-PERPETUAL'))).toBe('usd');
    expect(toBaseUnits(p('BTC-PERPETUAL'), 10_000, 50_000)).toBeCloseTo(0.2, 15);
    expect(toBaseUnits(p('BTC-27DEC24'), -25_000, 62_500)).toBeCloseTo(-0.4, 15);
    expect(toBaseUnits(p('ETH-PERPETUAL'), 3_000, 2_000)).toBeCloseTo(1.5, 15);
    expect(fromBaseUnits(p('BTC-PERPETUAL'), 0.2, 50_000)).toBeCloseTo(10_000, 9);
    thrown(() => toBaseUnits(p('BTC-PERPETUAL'), 10, 0), 'INVALID_INPUT');
    thrown(() => toBaseUnits(p('BTC-PERPETUAL'), 10, Number.NaN), 'NOT_FINITE');
  });

  it('Deribit options and linear products are coin amounts (price unused)', () => {
    expect(venueSizeUnit(p('BTC-27DEC24-50000-C'))).toBe('base');
    expect(toBaseUnits(p('BTC-27DEC24-50000-C'), -1.5, Number.NaN)).toBe(-1.5);
    expect(toBaseUnits(p('BTC_USDC-PERPETUAL'), 0.5, Number.NaN)).toBe(0.5);
    expect(toBaseUnits(p('SOL_USDC-27DEC24-150-P'), 20, Number.NaN)).toBe(20);
    expect(fromBaseUnits(p('BTC_USDC-27DEC24-100000-C'), 0.03, Number.NaN)).toBe(0.03);
  });

  it('OKX sizes are contracts', () => {
    expect(venueSizeUnit(p('BTC-USD-SWAP'))).toBe('contracts');
    // 3 × 100 USD at 60000 USD/BTC
    expect(toBaseUnits(p('BTC-USD-SWAP'), 3, 60_000)).toBeCloseTo(0.005, 15);
    expect(toBaseUnits(p('ETH-USD-250328'), -4, 2_000)).toBeCloseTo(-0.02, 15);
    expect(fromBaseUnits(p('BTC-USD-SWAP'), 0.005, 60_000)).toBeCloseTo(3, 12);
    // 7 × 0.01 BTC, price unused
    expect(toBaseUnits(p('BTC-USDT-SWAP'), 7, Number.NaN)).toBeCloseTo(0.07, 15);
    expect(toBaseUnits(p('ETH-USDT-SWAP'), 7, Number.NaN)).toBeCloseTo(0.7, 15);
    expect(fromBaseUnits(p('BTC-USDT-SWAP'), 0.07, Number.NaN)).toBeCloseTo(7, 12);
    // options: 10 × 0.01 BTC
    expect(toBaseUnits(p('BTC-USD-250328-100000-C'), 10, Number.NaN)).toBeCloseTo(0.1, 15);
    expect(toBaseUnits(p('ETH-USD-250328-2500.5-P'), -10, Number.NaN)).toBeCloseTo(-1, 15);
    // spot pairs are coin amounts
    expect(toBaseUnits(p('BTC-USDT'), 0.25, Number.NaN)).toBe(0.25);
  });

  it('Derive sizes are coins', () => {
    expect(toBaseUnits(p('ETH-20250228-4000-C'), 2.5, Number.NaN)).toBe(2.5);
    expect(toBaseUnits(p('ETH-PERP'), -3, Number.NaN)).toBe(-3);
  });

  it('round-trips and validates the size', () => {
    for (const s of [
      'BTC-PERPETUAL',
      'BTC-USD-SWAP',
      'BTC-USDT-SWAP',
      'ETH-PERP',
      'BTC-USD-250328-100000-C',
    ]) {
      const i = p(s);
      expect(fromBaseUnits(i, toBaseUnits(i, 123, 45_678), 45_678)).toBeCloseTo(123, 9);
    }
    expect(toBaseUnits(p('BTC-PERPETUAL'), 0, Number.NaN)).toBe(0);
    thrown(() => toBaseUnits(p('BTC-USDT-SWAP'), Number.POSITIVE_INFINITY, 1), 'NOT_FINITE');
  });
});

describe('contract specs table', () => {
  it('falls back to the venue default and marks it assumed', () => {
    const e = lookupContractSpec('okx', 'perpetual', 'linear', 'DOGE');
    expect(e.underlying).toBe('*');
    expect(e.source).toBe('assumed');
    expect(e.spec).toEqual({ size: 1, unit: 'base' });
    expect(lookupContractSpec('okx', 'perpetual', 'inverse', 'SOL').spec).toEqual({
      size: 10,
      unit: 'usd',
    });
    expect(lookupContractSpec('deribit', 'option', 'linear', 'BTC').source).toBe('assumed');
  });

  it('throws UNSUPPORTED for products a venue does not list', () => {
    thrown(() => lookupContractSpec('derive', 'future', 'linear', 'ETH'), 'UNSUPPORTED');
    thrown(() => lookupContractSpec('okx', 'option', 'linear', 'BTC'), 'UNSUPPORTED');
  });

  it('has a note, a positive size and at most one row per key', () => {
    const keys = new Set<string>();
    for (const r of CONTRACT_SPECS) {
      const k = `${r.venue}/${r.product}/${r.settlement}/${r.underlying}`;
      expect(keys.has(k), k).toBe(false);
      keys.add(k);
      expect(r.note.length).toBeGreaterThan(10);
      expect(r.spec.size).toBeGreaterThan(0);
    }
  });
});

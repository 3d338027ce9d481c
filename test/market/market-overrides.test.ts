/**
 * `--index`, `--mark`, `--vol` overrides (src/market/market-overrides.ts) against independent
 * numbers: the Black-76 reference below uses its own normal CDF (Abramowitz–Stegun 26.2.17,
 * |error| < 7.5e-8), not the project's pricer.
 */
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../src/core/errors.ts';
import { yearFraction } from '../../src/core/time.ts';
import { loadSnapshotFile } from '../../src/io/load-market.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { markInstrument } from '../../src/market/marks.ts';
import {
  applyMarketOverrides,
  parseOverride,
  type MarketOverride,
} from '../../src/market/market-overrides.ts';

const snap = loadSnapshotFile('examples/btc-snapshot.json');
const btc = snap.underlyings.BTC!;

function normCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly =
    t *
    (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = (Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI)) * poly;
  return x >= 0 ? 1 - tail : tail;
}

/** Undiscounted Black-76 call in USD. */
function black76Call(F: number, K: number, T: number, vol: number): number {
  const sd = vol * Math.sqrt(T);
  const d1 = (Math.log(F / K) + (sd * sd) / 2) / sd;
  return F * normCdf(d1) - K * normCdf(d1 - sd);
}

const apply = (...o: MarketOverride[]) => applyMarketOverrides(snap, o);
const errorOf = (f: () => unknown): BallastError => {
  try {
    f();
  } catch (e) {
    if (e instanceof BallastError) return e;
    throw e;
  }
  throw new Error('expected a BallastError');
};

describe('--index', () => {
  it('moves the perp mark by Δindex (basis kept) and scales forwards', () => {
    const { snapshot, notes } = apply(parseOverride('--index', 'BTC=70000'));
    const perp = parseSymbol('BTC-PERPETUAL');
    const fut = parseSymbol('BTC-25SEP26');
    const d = markInstrument(perp, snapshot).price - markInstrument(perp, snap).price;
    expect(d).toBeCloseTo(70000 - btc.index, 6);
    const ratio = markInstrument(fut, snapshot).price / markInstrument(fut, snap).price;
    expect(ratio).toBeCloseTo(70000 / btc.index, 12);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('--index BTC=70000');
  });
});

describe('--mark', () => {
  it('a perpetual: its mark becomes the price', () => {
    const { snapshot } = apply(parseOverride('--mark', 'BTC-PERPETUAL=63000'));
    expect(markInstrument(parseSymbol('BTC-PERPETUAL'), snapshot).price).toBeCloseTo(63000, 9);
  });
  it('a dated future: its forward becomes the price', () => {
    const { snapshot } = apply(parseOverride('--mark', 'BTC-25SEP26=64000'));
    expect(markInstrument(parseSymbol('BTC-25SEP26'), snapshot).price).toBe(64000);
  });
  it('an inverse option: marks at exactly the given coin price', () => {
    const sym = 'BTC-25SEP26-70000-C';
    const before = markInstrument(parseSymbol(sym), snap).price;
    const target = before * 1.5;
    const { snapshot } = apply(parseOverride('--mark', `${sym}=${target}`));
    expect(markInstrument(parseSymbol(sym), snapshot).price).toBeCloseTo(target, 10);
  });
  it('an option mark outside no-arbitrage bounds is an error naming --mark', () => {
    const e = errorOf(() => apply(parseOverride('--mark', 'BTC-25SEP26-70000-C=1.5')));
    expect(e.field).toBe('--mark');
  });
});

describe('--vol', () => {
  it('an option then marks at the Black-76 price at that vol (independent reference, rel 1e-5)', () => {
    const sym = 'BTC-25SEP26-70000-C';
    const inst = parseSymbol(sym);
    if (inst.kind !== 'option') throw new Error('not an option');
    const { snapshot } = apply(parseOverride('--vol', `${sym}=0.8`));
    const m = markInstrument(inst, snapshot);
    expect(m.vol).toBeCloseTo(0.8, 12);
    const T = yearFraction(snap.asOfMs, inst.expiryMs);
    const refCoin = black76Call(m.forward, 70000, T, 0.8) / m.forward;
    expect(Math.abs(m.price / refCoin - 1)).toBeLessThan(1e-5);
    expect(m.price).toBeGreaterThan(markInstrument(inst, snap).price);
  });
});

describe('validation: typed errors naming the flag', () => {
  it.each([
    ['--index', 'BTC=-1'],
    ['--index', 'BTC=abc'],
    ['--index', 'BTC=1e999'],
    ['--index', 'BTC'],
    ['--mark', 'BTC-PERPETUAL=0'],
    ['--vol', 'BTC-25SEP26-70000-C=60'],
    ['--vol', 'BTC-25SEP26-70000-C=NaN'],
  ] as const)('%s %s', (flag, text) => {
    expect(errorOf(() => parseOverride(flag, text)).field).toBe(flag);
  });
  it.each([
    ['--index', 'DOGE=1'],
    ['--mark', 'ETH-PERPETUAL=3000'],
    ['--mark', 'NOT-A-SYMBOL=3'],
    ['--vol', 'BTC-PERPETUAL=0.5'],
    ['--index', 'BTC=1e12'],
    ['--mark', 'BTC-25SEP26=1000000'],
  ] as const)('%s %s (unknown or implausible for the snapshot)', (flag, text) => {
    const e = errorOf(() => apply(parseOverride(flag, text)));
    expect(e.field).toBe(flag);
  });
  it('no overrides: the snapshot itself', () => {
    expect(applyMarketOverrides(snap, []).snapshot).toBe(snap);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBallastError } from '../../src/core/errors.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';
import { impliedVolBlack76 } from '../../src/pricing/implied-vol.ts';
import { portfolio, type Position } from '../../src/risk/portfolio.ts';
import {
  TIMS_CRYPTO_DEFAULT_RANGE,
  TIMS_PRODUCT_RANGES,
  timsScenarios,
} from '../../src/scenarios/tims-grid.ts';
import { productGroupRisk } from '../../src/margin/tims/product-group.ts';
import {
  TIMS_DEFAULT_PARAMS,
  timsModel,
  validateTimsParams,
  type TimsDetails,
  type TimsParams,
} from '../../src/margin/tims/tims.ts';
import { book, genericOption, SNAPSHOT, underlying } from './clearing-fixtures.ts';

interface WT1 {
  units: { all: string };
  inputs: Record<string, unknown> & {
    rules_pm: { equity_range: string; high_cap_index_range: string; min_per_contract_usd: number };
  };
  expected: {
    equity: Record<string, { SB: number; PM: number }>;
    index: Record<string, { SB: number; PM: number }>;
    positions: { equity: Record<string, string>; index: Record<string, string> };
  };
  precision: { all: string };
  status_detail: string;
}

const wt1 = JSON.parse(
  readFileSync(
    new URL('../fixtures/methodology-examples/W-T1_cboe-2007-strategy-vs-pm.json', import.meta.url),
    'utf8',
  ),
) as WT1;

/** "+/-15%" → ±0.15; "-8%/+6%" → −0.08/+0.06. */
function parseRange(text: string): { down: number; up: number } {
  const sym = /^\+\/-([\d.]+)%$/.exec(text);
  if (sym) return { down: -Number(sym[1]) / 100, up: Number(sym[1]) / 100 };
  const two = /^(-[\d.]+)%\/\+([\d.]+)%$/.exec(text);
  if (!two) throw new Error(`range ${text}`);
  return { down: Number(two[1]) / 100, up: Number(two[2]) / 100 };
}

/** Option legs of a position string such as "+100 100P @3.18, +100 100C @1.68". */
function parseLegs(
  text: string,
): { contracts: number; strike: number; right: 'call' | 'put'; premium: number | undefined }[] {
  const legs: {
    contracts: number;
    strike: number;
    right: 'call' | 'put';
    premium: number | undefined;
  }[] = [];
  for (const m of text.matchAll(
    /([+-][\d,]+) (?:[A-Z]+ )?(?:Apr )?([\d.]+)([CP])(?: @([\d.]+))?/g,
  )) {
    legs.push({
      contracts: Number(m[1]!.replace(/,/g, '')),
      strike: Number(m[2]),
      right: m[3] === 'C' ? 'call' : 'put',
      premium: m[4] === undefined ? undefined : Number(m[4]),
    });
  }
  return legs;
}

const multiplier = Number(/multiplier (\d+)/.exec(wt1.units.all)![1]);
// The file's prices are as of the close of 23 Feb 2007; "Apr" options expire on 20 Apr 2007 (third Friday).
const asOf = Date.UTC(2007, 1, 23, 21);
const aprExpiry = Date.UTC(2007, 3, 20, 21);

function wt1Params(underlyingName: string, range: { down: number; up: number }): TimsParams {
  return {
    ...TIMS_DEFAULT_PARAMS,
    parametersSource: 'published',
    classGroups: {
      [underlyingName]: {
        productGroup: underlyingName,
        down: range.down,
        up: range.up,
        contractMultiplier: multiplier,
      },
    },
    productGroups: { [underlyingName]: { offset: 0 } },
    defaultClassGroup: null,
    minimum: {
      ...TIMS_DEFAULT_PARAMS.minimum,
      perUnitUsd: wt1.inputs.rules_pm.min_per_contract_usd / multiplier,
      contractMultiplier: multiplier,
    },
  };
}

/** Margins a W-T1 all-options strategy under TIMS with a flat vol implied from the first call premium. */
function runStrategy(
  group: 'equity' | 'index',
  strategy: string,
  underlyingName: string,
  spot: number,
  range: { down: number; up: number },
) {
  const legs = parseLegs(wt1.expected.positions[group][strategy]!);
  const T = (aprExpiry - asOf) / (365 * 86_400_000);
  // A leg without a printed premium takes the same option's premium from another row.
  const allLegs = Object.values(wt1.expected.positions[group]).flatMap(parseLegs);
  const premium = (l: (typeof legs)[number]) =>
    l.premium ??
    allLegs.find((x) => x.strike === l.strike && x.right === l.right && x.premium !== undefined)
      ?.premium;
  const priced =
    legs.find((l) => l.right === 'call' && premium(l) !== undefined) ??
    legs.find((l) => premium(l) !== undefined)!;
  const vol = impliedVolBlack76(priced.right, premium(priced)!, spot, priced.strike, T);
  const snap: MarketSnapshot = {
    asOfMs: asOf,
    underlyings: {
      [underlyingName]: underlying(
        underlyingName,
        spot,
        [{ expiryMs: aprExpiry, forward: spot }],
        vol,
        asOf,
      ),
    },
  };
  const positions: Position[] = legs.map((l) => ({
    instrument: genericOption(underlyingName, aprExpiry, l.strike, l.right, multiplier),
    size: l.contracts * multiplier,
  }));
  return timsModel.evaluate(portfolio(positions), snap, wt1Params(underlyingName, range))[0]!;
}

describe('W-T1 (Cboe 2007: strategy-based vs TIMS portfolio margin)', () => {
  it('the file marks only the long straddles (the $37.50 minimum rows) as reproduced', () => {
    expect(wt1.status_detail).toMatch(/only the two long straddles/);
    expect(wt1.precision.all).toMatch(/USD integers/);
  });

  it('equity long straddle (IBM): 200 contracts × $37.50, to the dollar', () => {
    const r = runStrategy(
      'equity',
      'long_straddle',
      'IBM',
      wt1.inputs['IBM'] as number,
      parseRange(wt1.inputs.rules_pm.equity_range),
    );
    const d = r.details as TimsDetails;
    expect(d.productGroups[0]!.minimum).toBeGreaterThan(d.productGroups[0]!.risk);
    expect(Math.round(r.maintenanceMargin)).toBe(wt1.expected.equity['long_straddle']!.PM);
    expect(Math.round(r.initialMargin)).toBe(wt1.expected.equity['long_straddle']!.PM);
    expect(d.classGroups[0]!.minimums.map((m) => m.contracts)).toEqual([100, 100]);
  });

  it('index long straddle (SPX, −8 %/+6 %): 200 contracts × $37.50, to the dollar', () => {
    const r = runStrategy(
      'index',
      'long_straddle',
      'SPX',
      wt1.inputs['SPX_implied_by_table'] as number,
      parseRange(wt1.inputs.rules_pm.high_cap_index_range),
    );
    const d = r.details as TimsDetails;
    expect(d.productGroups[0]!.minimum).toBeGreaterThan(d.productGroups[0]!.risk);
    expect(Math.round(r.maintenanceMargin)).toBe(wt1.expected.index['long_straddle']!.PM);
    // the grid used is the high-cap index one: −8 % … +6 %
    expect(d.scenarios[0]!.moves['SPX']).toBe(-8);
    expect(d.scenarios[9]!.moves['SPX']).toBe(6);
  });
});

describe('TIMS grid', () => {
  it('10 equidistant points, 5 down to the range floor and 5 up to its cap, no vol shock', () => {
    const sc = timsScenarios({ SPX: TIMS_PRODUCT_RANGES.highCapIndex });
    expect(sc).toHaveLength(10);
    const moves = sc.map((s) => s.moves['SPX']!.spotMultiplier - 1);
    const expected = [-0.08, -0.064, -0.048, -0.032, -0.016, 0.012, 0.024, 0.036, 0.048, 0.06];
    moves.forEach((m, i) => expect(m).toBeCloseTo(expected[i]!, 15));
    expect(
      sc.every(
        (s) => s.moves['SPX']!.vol.kind === 'none' && s.weight === 1 && s.timeShiftDays === 0,
      ),
    ).toBe(true);
    expect(sc.map((s) => s.id)).toEqual([
      'tims-d5',
      'tims-d4',
      'tims-d3',
      'tims-d2',
      'tims-d1',
      'tims-u1',
      'tims-u2',
      'tims-u3',
      'tims-u4',
      'tims-u5',
    ]);
  });

  it('house vol shocks repeat the grid; bad ranges are typed errors', () => {
    const sc = timsScenarios(
      { BTC: { down: -0.2, up: 0.2 } },
      {
        volShocks: [
          { kind: 'relative', size: 0.1 },
          { kind: 'relative', size: -0.1 },
        ],
      },
    );
    expect(sc).toHaveLength(20);
    expect(sc[10]!.id).toBe('tims-d5/v2');
    expect(() => timsScenarios({ BTC: { down: 0.1, up: 0.2 } })).toThrow(/BTC.down/);
  });
});

describe('TIMS model', () => {
  it('default parameters are valid; BTC uses our documented crypto range', () => {
    expect(() => validateTimsParams(TIMS_DEFAULT_PARAMS)).not.toThrow();
    const btc = TIMS_DEFAULT_PARAMS.classGroups['BTC']!;
    expect({ down: btc.down, up: btc.up }).toEqual(TIMS_CRYPTO_DEFAULT_RANGE);
  });

  it('invalid parameters name the field', () => {
    const base = TIMS_DEFAULT_PARAMS;
    const cases: [TimsParams, string][] = [
      [
        { ...base, productGroups: { ...base.productGroups, x: { offset: 2 } } },
        'params.productGroups.x.offset',
      ],
      [{ ...base, minimum: { ...base.minimum, perUnitUsd: -1 } }, 'params.minimum.perUnitUsd'],
      [
        { ...base, minimum: { ...base.minimum, contractMultiplier: 0 } },
        'params.minimum.contractMultiplier',
      ],
      [
        { ...base, minimum: { ...base.minimum, appliesTo: ['bond' as never] } },
        'params.minimum.appliesTo',
      ],
      [{ ...base, pointsPerSide: 0 }, 'params.pointsPerSide'],
      [{ ...base, initialToMaintenance: 0.5 }, 'params.initialToMaintenance'],
    ];
    for (const [p, field] of cases) {
      let caught: unknown;
      try {
        validateTimsParams(p);
      } catch (e) {
        caught = e;
      }
      expect(isBallastError(caught, 'INVALID_INPUT'), field).toBe(true);
      expect((caught as { field?: string }).field).toBe(field);
    }
  });

  it('a long future loses the full down range; the per-contract minimum does not bind', () => {
    const [r] = timsModel.evaluate(
      book([['BTC-28MAR25', 2]], [{ currency: 'USDC', amount: 1000 }]),
      SNAPSHOT,
      TIMS_DEFAULT_PARAMS,
    );
    expect(r!.currency).toBe('USD');
    expect(r!.maintenanceMargin).toBeCloseTo(2 * 0.2 * 73_000, 6);
    expect(r!.initialMargin).toBe(r!.maintenanceMargin);
    expect(r!.worstScenario!.id).toBe('tims-d5');
    expect(r!.contributions[0]!.pnl).toBeCloseTo(r!.worstScenario!.pnl, 9);
    expect(r!.equity).toBe(1000);
    expect(r!.addOns.find((a) => a.name === 'per-contract minimum')!.amount).toBe(0);
    expect(r!.unverified.some((u) => u.startsWith('tims.parameters'))).toBe(true);
  });

  it('the per-contract minimum applies ($0.375 × multiplier, contract = 1 coin, rounded up)', () => {
    // linear long and inverse short of the same expiry: identical USD P&L, so zero scenario risk
    const hedged = book([
      ['BTC_USDC-28MAR25', 0.5],
      ['BTC-28MAR25', -0.5],
    ]);
    const [r] = timsModel.evaluate(hedged, SNAPSHOT, TIMS_DEFAULT_PARAMS);
    const d = r!.details as TimsDetails;
    expect(d.productGroups[0]!.risk).toBeLessThan(1e-6);
    expect(r!.maintenanceMargin).toBeCloseTo(2 * 1 * 0.375, 12);
    expect(r!.addOns.find((a) => a.name === 'per-contract minimum')!.amount).toBeGreaterThan(0);
    expect(r!.unverified.some((u) => u.startsWith('tims.minimum-contract'))).toBe(true);
    const exact: TimsParams = {
      ...TIMS_DEFAULT_PARAMS,
      minimum: { ...TIMS_DEFAULT_PARAMS.minimum, roundUpContracts: false },
    };
    expect(timsModel.evaluate(hedged, SNAPSHOT, exact)[0]!.maintenanceMargin).toBeCloseTo(0.375, 9);
    const big: TimsParams = {
      ...TIMS_DEFAULT_PARAMS,
      minimum: { ...TIMS_DEFAULT_PARAMS.minimum, perUnitUsd: 1000 },
    };
    expect(timsModel.evaluate(hedged, SNAPSHOT, big)[0]!.maintenanceMargin).toBeCloseTo(2000, 9);
    // spot is not a contract
    const spot = timsModel.evaluate(book([['BTC_USDC', 1]]), SNAPSHOT, big)[0]!;
    expect(spot.maintenanceMargin).toBeCloseTo(0.2 * 70_000, 6);
  });

  it('class groups offset 100 % inside, the product-group percentage across (same point)', () => {
    const p = book([
      ['BTC-28MAR25', 1],
      ['ETH-28MAR25', -28],
    ]);
    const [r] = timsModel.evaluate(p, SNAPSHOT, TIMS_DEFAULT_PARAMS);
    const d = r!.details as TimsDetails;
    expect(d.productGroups).toHaveLength(1);
    const [btc, eth] = d.classGroups;
    const L = btc!.pnl.map((b, s) => {
      const e = eth!.pnl[s]!;
      return Math.min(b, 0) + Math.min(e, 0) + 0.5 * (Math.max(b, 0) + Math.max(e, 0));
    });
    expect(d.productGroups[0]!.risk).toBeCloseTo(Math.max(0, -Math.min(...L)), 9);
    expect(d.productGroups[0]!.offsetCredit).toBeGreaterThan(0);
    expect(r!.maintenanceMargin).toBeLessThan(btc!.worstLoss + eth!.worstLoss);
    expect(r!.unverified.some((u) => u.startsWith('tims.product-group-offset'))).toBe(true);
    expect(r!.unverified.some((u) => u.startsWith('tims.point-alignment'))).toBe(true);
    const none: TimsParams = {
      ...TIMS_DEFAULT_PARAMS,
      productGroups: { 'crypto-major': { offset: 0 } },
    };
    expect(timsModel.evaluate(p, SNAPSHOT, none)[0]!.maintenanceMargin).toBeCloseTo(
      d.productGroups[0]!.riskWithoutOffset,
      9,
    );
  });

  it('productGroupRisk arithmetic', () => {
    const r = productGroupRisk(
      [
        [-10, 5],
        [4, -2],
      ],
      0.5,
    );
    expect(r.pnl).toEqual([-8, 0.5]);
    expect(r.risk).toBe(8);
    expect(r.riskWithoutOffset).toBe(10);
    expect(productGroupRisk([[1, 2]], 0.5).risk).toBe(0);
  });

  it('unlisted underlyings: the default range in their own group, or a typed error', () => {
    const snap: MarketSnapshot = {
      ...SNAPSHOT,
      underlyings: { ...SNAPSHOT.underlyings, SOL: underlying('SOL', 150, [], 0.8) },
    };
    const sol = portfolio([
      {
        instrument: {
          symbol: 'SOL_USDC',
          venue: 'deribit',
          kind: 'spot',
          underlying: 'SOL',
          quote: 'USDC',
          settlementCurrency: 'USDC',
          settlement: 'linear',
          contract: { size: 1, unit: 'base' },
        },
        size: 10,
      },
    ]);
    const [r] = timsModel.evaluate(sol, snap, TIMS_DEFAULT_PARAMS);
    expect(r!.maintenanceMargin).toBeCloseTo(10 * 150 * 0.3, 9);
    expect(r!.unverified.some((u) => u.startsWith('tims.default-range'))).toBe(true);
    try {
      timsModel.evaluate(sol, snap, { ...TIMS_DEFAULT_PARAMS, defaultClassGroup: null });
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
      expect(String(e)).toMatch(/params.classGroups.SOL/);
    }
  });

  it('options: theoretical-price caveat; short options need more than long', () => {
    const long = timsModel.evaluate(
      book([['BTC-28MAR25-80000-C', 1]]),
      SNAPSHOT,
      TIMS_DEFAULT_PARAMS,
    )[0]!;
    const short = timsModel.evaluate(
      book([['BTC-28MAR25-80000-C', -1]]),
      SNAPSHOT,
      TIMS_DEFAULT_PARAMS,
    )[0]!;
    expect(short.maintenanceMargin).toBeGreaterThan(long.maintenanceMargin);
    expect(long.maintenanceMargin).toBeLessThanOrEqual(
      (long.details as TimsDetails).netOptionValue + 1e-9,
    );
    expect(long.unverified.some((u) => u.startsWith('tims.theoretical-prices'))).toBe(true);
  });

  it('properties: finite, ≥ the minimum, order-independent to the bit, scales with the book above the minimum', () => {
    const symbols = [
      'BTC-27DEC24',
      'BTC-28MAR25',
      'BTC-28MAR25-80000-C',
      'BTC-27DEC24-60000-P',
      'BTC_USDC-PERPETUAL',
      'ETH-27DEC24',
      'ETH-28MAR25-3000-C',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...symbols), fc.integer({ min: -20, max: 20 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (items) => {
          const p = book(items.map(([s, q]) => [s, q / 4] as [string, number]));
          const [r] = timsModel.evaluate(p, SNAPSHOT, TIMS_DEFAULT_PARAMS);
          const d = r!.details as TimsDetails;
          expect(Number.isFinite(r!.maintenanceMargin)).toBe(true);
          for (const g of d.productGroups) expect(g.requirement).toBeGreaterThanOrEqual(g.minimum);
          const [r2] = timsModel.evaluate(
            portfolio([...p.positions].reverse(), p.balances),
            SNAPSHOT,
            TIMS_DEFAULT_PARAMS,
          );
          expect(r2!.maintenanceMargin).toBe(r!.maintenanceMargin);
          expect(r2!.inputsHash).toBe(r!.inputsHash);
          const scaled = portfolio(p.positions.map((x) => ({ ...x, size: 3 * x.size })));
          const risk = d.productGroups.reduce((a, g) => a + g.risk, 0);
          const risk3 = (
            timsModel.evaluate(scaled, SNAPSHOT, TIMS_DEFAULT_PARAMS)[0]!.details as TimsDetails
          ).productGroups.reduce((a, g) => a + g.risk, 0);
          expect(risk3).toBeCloseTo(3 * risk, 6);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('W-T1 option-only rows beyond the minimum: our TIMS against the published PM figure', () => {
  // OCC's theoretical prices and class vols are not published (status_detail), so each row is
  // revalued at one flat vol implied from a premium the file prints. The differences are
  // reported, and bounded: the rows with stock legs (covered call, protective put, collar)
  // need a stock position and are not applied here.
  const optionOnly = [
    'short_call',
    'short_put',
    'synthetic_long',
    'risk_reversal',
    'long_call_vertical',
  ];
  it('every option-only row within 20 % of the published PM figure (differences printed)', () => {
    const rows: string[] = [];
    let worst = 0;
    for (const s of optionOnly) {
      for (const [group, name, spot, range] of [
        ['equity', 'IBM', wt1.inputs['IBM'] as number, wt1.inputs.rules_pm.equity_range],
        [
          'index',
          'SPX',
          wt1.inputs['SPX_implied_by_table'] as number,
          wt1.inputs.rules_pm.high_cap_index_range,
        ],
      ] as const) {
        const r = runStrategy(group, s, name, spot, parseRange(range));
        const pub = wt1.expected[group][s]!.PM;
        const diff = r.maintenanceMargin / pub - 1;
        worst = Math.max(worst, Math.abs(diff));
        rows.push(
          `${group} ${s}: ${Math.round(r.maintenanceMargin)} vs ${pub} (${(diff * 100).toFixed(2)} %)`,
        );
        expect(Math.abs(diff), `${group} ${s}`).toBeLessThan(0.2);
      }
    }
    expect(rows).toHaveLength(10);
    console.log(
      `W-T1 TIMS vs published PM (worst ${(worst * 100).toFixed(2)} %):\n${rows.join('\n')}`,
    );
  });
});

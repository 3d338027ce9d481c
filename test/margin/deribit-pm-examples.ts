/**
 * Helpers shared by the Deribit PM tests: build a portfolio, a market snapshot and model
 * parameters from a `pme/simulate` worked example (W-D1, W-D2) exactly as the file gives them.
 */
import { expect } from 'vitest';
import { parseIsoUtc } from '../../src/core/time.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { Instrument } from '../../src/instruments/instrument.ts';
import type { ForwardPoint, MarketSnapshot, UnderlyingMarket } from '../../src/market/snapshot.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { deribitPmModel, type DeribitPmParams } from '../../src/margin/deribit-pm/deribit-pm.ts';
import type { DeribitModelParams } from '../../src/margin/deribit-pm/params.ts';

/** The parts of a W-D* example file the tests read. */
export interface PmeExample {
  readonly id: string;
  readonly inputs: {
    readonly currency: string;
    readonly as_of: string;
    readonly index_price: Record<string, number>;
    readonly ticker: Record<string, { mark_price: number; index_price: number }>;
    readonly instruments: Record<string, { kind: string; expiration?: string }>;
    readonly positions: Record<string, number>;
    readonly model_params: unknown;
    readonly open_orders_margin: number;
    readonly mmp_margin: number;
    readonly spot_margin: number;
  };
  readonly expected: {
    readonly initial_risk_vectors: Record<string, { standard: number[]; extended: number[] }>;
    readonly pre_aggregated_risk_vectors?: Record<
      string,
      { standard: number[]; extended: number[] }
    >;
    readonly aggregated_risk_vectors: Record<string, { standard: number[]; extended: number[] }>;
    readonly margins: Record<
      string,
      {
        initial_margin: number;
        maintenance_margin: number;
        initial_margin_details: {
          open_orders_margin: number;
          mmp_margin: number;
          spot_margin: number;
          risk_matrix_margin: number;
          risk_matrix_margin_details: {
            worst_case: number;
            worst_case_bucket: { index: number; source: string; bucket: number; side: string };
            roll_shock: number;
            delta_shock: number;
            correlation_contingency: number;
          };
        };
      }
    >;
  };
  readonly precision: Record<string, string>;
}

/** Instruments of the example, parsed from their Deribit names. */
export function exampleInstruments(ex: PmeExample): Map<string, Instrument> {
  const out = new Map<string, Instrument>();
  for (const name of Object.keys(ex.inputs.positions)) {
    const inst = parseSymbol(name, 'deribit');
    const meta = ex.inputs.instruments[name];
    if (meta?.expiration !== undefined && inst.kind === 'future')
      expect(inst.expiryMs).toBe(parseIsoUtc(meta.expiration));
    out.set(name, inst);
  }
  return out;
}

/** The example's positions (base units) as a portfolio without balances. */
export function examplePortfolio(ex: PmeExample): Portfolio {
  const insts = exampleInstruments(ex);
  return portfolio(
    Object.entries(ex.inputs.positions).map(([name, size]) => ({
      instrument: insts.get(name)!,
      size,
    })),
  );
}

/**
 * A snapshot with the example's index per coin, perpetual basis = perp mark − index, and each
 * dated future's mark as the forward of its expiry (no vol surface: delta-one books).
 */
export function exampleSnapshot(ex: PmeExample): MarketSnapshot {
  const insts = exampleInstruments(ex);
  const underlyings: Record<string, UnderlyingMarket> = {};
  for (const [pair, index] of Object.entries(ex.inputs.index_price)) {
    const coin = pair.split('_')[0]!.toUpperCase();
    let perpBasis = 0;
    const forwards: ForwardPoint[] = [];
    for (const [name, inst] of insts) {
      if (inst.underlying !== coin) continue;
      const mark = ex.inputs.ticker[name]!.mark_price;
      if (inst.kind === 'perpetual') perpBasis = mark - index;
      if (inst.kind === 'future')
        forwards.push({ expiryMs: inst.expiryMs, forward: mark, source: 'future' });
    }
    underlyings[coin] = {
      underlying: coin,
      index,
      rate: 0,
      forwards: forwards.sort((a, b) => a.expiryMs - b.expiryMs),
      surface: [],
      perpBasis,
    };
  }
  return { asOfMs: parseIsoUtc(ex.inputs.as_of), underlyings };
}

/** Model parameters: the example's `model_params` and account inputs, our default rules. */
export function exampleParams(ex: PmeExample): DeribitPmParams {
  return {
    ...deribitPmModel.defaultParams,
    sources: {},
    model_params: ex.inputs.model_params as DeribitModelParams,
    account: {
      [ex.inputs.currency.toLowerCase()]: {
        open_orders_margin: ex.inputs.open_orders_margin,
        mmp_margin: ex.inputs.mmp_margin,
        spot_margin: ex.inputs.spot_margin,
      },
    },
  };
}

/** Decimals of a precision string such as `11 decimals`, or undefined for full float64. */
export function decimalsOf(precision: string | undefined): number | undefined {
  const m = /(\d+) decimals/.exec(precision ?? '');
  return m ? Number(m[1]) : undefined;
}

/** |actual − expected| within half a unit of the `decimals`-th decimal. */
export function expectDecimals(actual: number, expected: number, decimals: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(0.5 * 10 ** -decimals);
}

/** Full float64 agreement: within `ulps` units in the last place of the expected value. */
export function expectUlps(actual: number, expected: number, ulps = 2): void {
  if (expected === 0) {
    expect(actual).toBe(0);
    return;
  }
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    ulps * Number.EPSILON * Math.abs(expected),
  );
}

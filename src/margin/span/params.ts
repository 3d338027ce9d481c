/**
 * Parameters of the SPAN-style model (docs/methodology/span-tims.md §1): per combined
 * commodity (one underlying coin) the scan ranges, tiers and spread rates, delivery and short
 * option minimum rates (`btc.json`, `eth.json`), and account-level settings (`settings.json`:
 * look-ahead, composite-delta points, inter-commodity spreads, counting rules, IM/MM ratio).
 *
 * The crypto numbers are ours and illustrative (the notes give the method, not crypto
 * parameter files); `parametersSource: 'illustrative'` makes every result say so in
 * `unverified`. Set it to `'exchange'` only for numbers read from a real SPAN parameter file.
 */
import { BallastError } from '../../core/errors.ts';
import type { HaircutTable } from '../../risk/collateral.ts';
import {
  SPAN_STANDARD_SCENARIOS,
  type SpanScanRanges,
  type SpanScenarioRow,
} from '../../scenarios/span-grid.ts';
import { validateCompositeDelta, type CompositeDeltaParams } from './composite-delta.ts';
import { validateDeliveryCharge, type DeliveryChargeParams } from './delivery-charge.ts';
import { validateInterCommodity, type SpanInterCommoditySpread } from './inter-commodity.ts';
import { validateIntraCommodity, type IntraCommodityParams } from './intra-commodity.ts';
import {
  validateShortOptionMinimum,
  type ShortOptionCount,
  type ShortOptionMinimumParams,
} from './short-option-minimum.ts';
import btcJson from './btc.json' with { type: 'json' };
import ethJson from './eth.json' with { type: 'json' };
import settingsJson from './settings.json' with { type: 'json' };

/** Parameters of one combined commodity (all instruments on one underlying coin). */
export interface SpanCommodityParams extends SpanScanRanges, IntraCommodityParams {
  readonly note?: string;
  /** Delivery (spot-month) charge, §1.5. */
  readonly deliveryCharge: DeliveryChargeParams;
  /** Short option minimum rate, §1.5. */
  readonly shortOptionMinimum: ShortOptionMinimumParams;
}

/** Where the numbers come from: `illustrative` (ours) or an `exchange` parameter file. */
export type SpanParametersSource = 'illustrative' | 'exchange';

/** All SPAN parameters. */
export interface SpanParams {
  readonly note?: string;
  readonly parametersSource: SpanParametersSource;
  /** Combined commodities keyed by underlying coin (`BTC`, `ETH`). */
  readonly commodities: Readonly<Record<string, SpanCommodityParams>>;
  /** Scenario table (default: the 16 standard scenarios, `span-scenarios.json`). */
  readonly scenarioRows: readonly SpanScenarioRow[];
  /** Look-ahead of every scenario, calendar days (SPAN: one trading day; crypto: 1, ours). */
  readonly lookAheadDays: number;
  /** Composite-delta points and bump, §1.4 ([I]). */
  readonly compositeDelta: CompositeDeltaParams;
  /** Inter-commodity spreads in priority order, §1.5. */
  readonly interCommoditySpreads: readonly SpanInterCommoditySpread[];
  /** Short-option counting rule for the SOM ([I]; `gross` is conservative). */
  readonly shortOptionCount: ShortOptionCount;
  /** Floor the scan risk at 0 (§1.3, [I]; true is conservative). */
  readonly floorScanRiskAtZero: boolean;
  /** IM = MM × this (≥ 1; CME ≈ 1.1 for speculative accounts, 1 for hedgers, [I]). */
  readonly initialToMaintenance: number;
  /** Haircuts on collateral balances valued in the USD pool. */
  readonly collateralHaircuts: HaircutTable;
}

/**
 * The default (illustrative crypto) SPAN parameters: BTC and ETH combined commodities. The
 * JSON files are typed here and checked by `validateSpanParams` on every evaluation.
 */
export const SPAN_DEFAULT_PARAMS: SpanParams = {
  ...(settingsJson as unknown as Omit<SpanParams, 'commodities' | 'scenarioRows'>),
  commodities: {
    BTC: btcJson as unknown as SpanCommodityParams,
    ETH: ethJson as unknown as SpanCommodityParams,
  },
  scenarioRows: SPAN_STANDARD_SCENARIOS,
};

/** Validates SPAN parameters; throws INVALID_INPUT naming the bad field (`params.…`). */
export function validateSpanParams(p: SpanParams): void {
  const f = 'params';
  if (p.parametersSource !== 'illustrative' && p.parametersSource !== 'exchange')
    throw new BallastError(
      'INVALID_INPUT',
      `must be 'illustrative' or 'exchange'`,
      `${f}.parametersSource`,
    );
  if (!Array.isArray(p.scenarioRows) || p.scenarioRows.length === 0)
    throw new BallastError('INVALID_INPUT', 'the scenario table is empty', `${f}.scenarioRows`);
  if (!(Number.isFinite(p.lookAheadDays) && p.lookAheadDays >= 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and >= 0, got ${p.lookAheadDays}`,
      `${f}.lookAheadDays`,
    );
  validateCompositeDelta(p.compositeDelta, `${f}.compositeDelta`);
  if (p.shortOptionCount !== 'gross' && p.shortOptionCount !== 'net-per-right')
    throw new BallastError(
      'INVALID_INPUT',
      `must be 'gross' or 'net-per-right'`,
      `${f}.shortOptionCount`,
    );
  if (typeof p.floorScanRiskAtZero !== 'boolean')
    throw new BallastError('INVALID_INPUT', 'must be true or false', `${f}.floorScanRiskAtZero`);
  if (!(Number.isFinite(p.initialToMaintenance) && p.initialToMaintenance >= 1))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and >= 1, got ${p.initialToMaintenance}`,
      `${f}.initialToMaintenance`,
    );
  const names = Object.keys(p.commodities);
  for (const c of names) {
    const cc = p.commodities[c]!;
    const cf = `${f}.commodities.${c}`;
    validateIntraCommodity(cc, cf);
    validateDeliveryCharge(cc.deliveryCharge, `${cf}.deliveryCharge`);
    validateShortOptionMinimum(cc.shortOptionMinimum, `${cf}.shortOptionMinimum`);
    if (cc.volFloor !== undefined && !(Number.isFinite(cc.volFloor) && cc.volFloor >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and >= 0, got ${cc.volFloor}`,
        `${cf}.volFloor`,
      );
  }
  validateInterCommodity(p.interCommoditySpreads, names, `${f}.interCommoditySpreads`);
}

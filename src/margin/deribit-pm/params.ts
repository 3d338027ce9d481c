/**
 * Parameters of the Deribit portfolio-margin model (docs/methodology/deribit-pm.md §13, §15).
 *
 * `model_params` mirrors `private/pme/simulate` `result.model_params` field for field (snake
 * case, Deribit's units), so a live response can be passed in unchanged. `account` holds the
 * account-side inputs Deribit does not document how to derive (§3, §12: open-orders, MMP and
 * spot margin per settlement currency). `rules` switches every rule the notes mark [I], [T]
 * or [G] between its readings; the defaults are the conservative reading, or the notes'
 * stated default where the readings cannot be ordered.
 */
import { BallastError } from '../../core/errors.ts';
import { isUsdLike, type Currency } from '../../core/currency.ts';
import {
  DERIBIT_GRID_DEFAULTS,
  type DeribitGridParams,
  type DeribitVolCell,
} from '../../scenarios/deribit-grid.ts';
import type { HypothesisSettings } from '../hypotheses.ts';
import defaultJson from './default-params.json' with { type: 'json' };

/** `model_params.general` (§13.1). */
export interface DeribitPmGeneral {
  /** MM = mm_factor × risk_matrix_margin (0.8). */
  readonly mm_factor: number;
  /** n: buckets per side of the standard table (4 → 9 moves). */
  readonly buckets_count: number;
  /** Vol cells per bucket; only 3 is supported. */
  readonly vol_scenarios_count: number;
  /** Epoch ms the parameters were read (informational). */
  readonly timestamp?: number;
}

/** `model_params.currency_pair[<coin>_usd]` (§13.1): grid and delta-shock parameters. */
export interface DeribitPmCurrencyPair {
  /** r, fraction (0.16). */
  readonly price_range: number;
  /** Relative vol-up shock at 30 DTE, fraction of IV. */
  readonly volatility_range_up: number;
  /** Relative vol-down shock at 30 DTE, fraction of IV. */
  readonly volatility_range_down: number;
  /** Floor on the shocked-up IV, decimal [T]. */
  readonly min_volatility_for_shock_up: number;
  readonly short_term_vega_power: number;
  readonly long_term_vega_power: number;
  readonly extended_table_factor: number;
  /** Delta-shock threshold, USD of |delta_total| [I units]. */
  readonly delta_total_liq_shock_threshold: number;
  /** Cap of the delta-shock fraction. */
  readonly max_delta_shock: number;
  /** Delta-shock increment per coin of excess delta (H1 reading) [I]. */
  readonly m_inc: number;
}

/** `model_params.currency[<ccy>]` (§13.1, §13.2): per settlement currency (`btc`, `eth`, `usd`). */
export interface DeribitPmCurrency {
  /** Roll shock per year of expiry, fraction. */
  readonly annualised_move_risk: number;
  /** Roll-shock floor, fraction. */
  readonly min_annualised_move: number;
  /** Extended-table dampener, USD per unit of (|m|/r − 1). */
  readonly extended_dampener: number;
  /** Fraction of scenario gains credited (0 = none). */
  readonly pnl_offset: number;
  /** Cap on a credited gain, USD [I unit and order]. */
  readonly max_offsetable_pnl: number;
  /** X:PM collateral haircut (not used by S:PM). */
  readonly haircut: number;
  /** X:PM: whether the collateral balance itself is shocked (not used by S:PM) [G]. */
  readonly equity_side_impact: string;
  /** X:PM correlation set membership (not used by S:PM) [G]. */
  readonly correlation_set: boolean;
}

/** `private/pme/simulate` `model_params`. */
export interface DeribitModelParams {
  readonly general: DeribitPmGeneral;
  readonly currency: Readonly<Record<string, DeribitPmCurrency>>;
  readonly currency_pair: Readonly<Record<string, DeribitPmCurrencyPair>>;
}

/** Account-side IM inputs of one settlement currency, in that currency (§12; derivation [G]). */
export interface DeribitPmAccountInputs {
  readonly open_orders_margin: number;
  readonly mmp_margin: number;
  readonly spot_margin: number;
}

/** Switches for the hypotheses of the notes (each names its section). */
export interface DeribitPmRules {
  /** §5.3 inverse option coin P&L: OPT-A `coin-value` V1/F1 − V0/F0 (default) or OPT-B `usd-at-shocked` (V1 − V0)/F1 [I]. */
  readonly inverseOptionPnl: 'coin-value' | 'usd-at-shocked';
  /**
   * §6 `min_volatility_for_shock_up`: `floor-shocked` max(IV·(1+up·k), min) (the only reading
   * found, [T], default) or `floor-base` IV + up·k·max(IV, min) [I].
   */
  readonly minVolForShockUp: 'floor-shocked' | 'floor-base';
  /** §7.1 coin-settled options' extended P&L: × (1+m)/(1+s·r) `range-edge` (default, as futures) or `none` [I]. */
  readonly extendedCoinConversion: 'range-edge' | 'none';
  /** §7.1 USD-settled products' extended P&L: `none` (default, notes) or `range-edge` [I]. */
  readonly extendedUsdConversion: 'none' | 'range-edge';
  /** §7.2 extended gains: `sign-aware` max(0, x − allowance) (default, notes' (a)) or `none` = never credited (b) [I]. */
  readonly dampenerGains: 'sign-aware' | 'none';
  /** §8 cap order: `before-offset` pnl_offset·min(gain, cap) (default, conservative) or `after-offset` min(pnl_offset·gain, cap) [I]. */
  readonly gainCapOrder: 'before-offset' | 'after-offset';
  /** §8 cap unit: `usd` (cap/S0 in coin pools; default, conservative for S0 > 1) or `settlement` (cap in pool currency) [I]. */
  readonly gainCapUnit: 'usd' | 'settlement';
  /** §8.3 several pairs in one pool: `sum-of-worst` per-key worst cases (default, conservative) or `joint` (index-wise sum) [G]. */
  readonly multiPairAggregation: 'sum-of-worst' | 'joint';
  /** §10 options in the roll shock: `per-expiry` |Σ deltas| per expiry (default, notes) or `per-instrument` Σ|delta| [I]. */
  readonly rollShockOptions: 'per-expiry' | 'per-instrument';
  /** §10 option delta: `coin` = Deribit delta_total (BS delta − coin mark for inverse; default) or `bs` (BS delta) [I]. */
  readonly rollShockOptionDelta: 'coin' | 'bs';
  /** §10 above the floor: `exp` exp(rate·T) − 1 (default, conservative) or `linear` rate·T [I]. */
  readonly rollShockTime: 'exp' | 'linear';
  /** §11 delta shock: `H1` (default), `H2` (replica) or `off` [I]. */
  readonly deltaShock: 'H1' | 'H2' | 'off';
  /** §12 decimals of round-half-up in risk_matrix_margin and initial_margin (9) [R]. */
  readonly roundingDecimals: number;
  /** §7 extended moves (default −0.66 … +5). */
  readonly extendedMoves?: readonly number[];
  /** §6 vol-shock pivot days (30). */
  readonly pivotDays?: number;
  /** §6 DTE floor, days (1) [G]. */
  readonly dteFloorDays?: number;
  /** §4 vol cell order inside a bucket ([up, same, down]) [G]. */
  readonly volCellOrder?: readonly DeribitVolCell[];
}

/** Where a parameter block comes from and whether it is stale. */
export interface DeribitPmSource {
  readonly source: string;
  readonly asOf: string;
  readonly stale: boolean;
}

/** Parameters of `deribitPmModel`. */
export interface DeribitPmParams {
  /** Provenance per block key (`general`, `currency_pair.btc_usd`, `currency.eth`, ...). */
  readonly sources?: Readonly<Record<string, DeribitPmSource>>;
  readonly model_params: DeribitModelParams;
  /** Account inputs keyed by lower-case settlement currency (`btc`, `usdc`); missing = 0. */
  readonly account: Readonly<Record<string, DeribitPmAccountInputs>>;
  readonly rules: DeribitPmRules;
  /**
   * Pinned hypothesis rules (charged at the reading `rules` sets instead of the highest over
   * the readings) and readings verified against the user's venue (src/margin/hypotheses.ts).
   */
  readonly hypotheses?: HypothesisSettings;
}

/**
 * The default parameters (stale; see `sources`): BTC 2024-06 docs, ETH and USD 2026-02 live;
 * account inputs 0; rules as in `default-params.json` plus the grid constants of
 * src/scenarios/deribit-grid.json (so every key is present for strict overrides).
 */
export const DERIBIT_PM_DEFAULT_PARAMS: DeribitPmParams = {
  ...(defaultJson as unknown as DeribitPmParams),
  rules: { ...(defaultJson.rules as unknown as DeribitPmRules), ...DERIBIT_GRID_DEFAULTS },
};

/** Currency-block key of a settlement currency: `btc`, `eth`; `usd` for USD, USDC, USDT (§14). */
export function currencyBlockKey(settlement: Currency): string {
  return isUsdLike(settlement) ? 'usd' : settlement.toLowerCase();
}

/** Currency-pair key of an underlying: `btc_usd`. */
export function pairKey(underlying: Currency): string {
  return `${underlying.toLowerCase()}_usd`;
}

/** Risk-vector key `<underlying>_<settlement>`: `btc_btc`, `btc_usdc` [V names; I for USDC]. */
export function vectorKey(underlying: Currency, settlement: Currency): string {
  return `${underlying.toLowerCase()}_${settlement.toLowerCase()}`;
}

function fin(x: unknown, field: string, min = -Infinity): number {
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new BallastError('INVALID_INPUT', `must be a finite number, got ${String(x)}`, field);
  if (x < min) throw new BallastError('INVALID_INPUT', `must be ≥ ${min}, got ${x}`, field);
  return x;
}

function oneOf<T extends string>(x: unknown, allowed: readonly T[], field: string): T {
  if (!allowed.includes(x as T))
    throw new BallastError(
      'INVALID_INPUT',
      `must be one of ${allowed.join(', ')}, got ${String(x)}`,
      field,
    );
  return x as T;
}

/** The currency block of a settlement currency, or INVALID_INPUT naming the missing key. */
export function currencyParams(p: DeribitPmParams, settlement: Currency): DeribitPmCurrency {
  const key = currencyBlockKey(settlement);
  const c = p.model_params.currency[key];
  if (!c)
    throw new BallastError(
      'INVALID_INPUT',
      `no Deribit PM parameters for settlement currency ${settlement} (model_params.currency.${key})`,
      `params.model_params.currency.${key}`,
    );
  const f = `params.model_params.currency.${key}`;
  fin(c.annualised_move_risk, `${f}.annualised_move_risk`, 0);
  fin(c.min_annualised_move, `${f}.min_annualised_move`, 0);
  fin(c.extended_dampener, `${f}.extended_dampener`, 0);
  fin(c.pnl_offset, `${f}.pnl_offset`, 0);
  if (c.pnl_offset > 1)
    throw new BallastError('INVALID_INPUT', `must be ≤ 1, got ${c.pnl_offset}`, `${f}.pnl_offset`);
  fin(c.max_offsetable_pnl, `${f}.max_offsetable_pnl`, 0);
  return c;
}

/** The currency-pair block of an underlying, or INVALID_INPUT naming the missing key. */
export function pairParams(p: DeribitPmParams, underlying: Currency): DeribitPmCurrencyPair {
  const key = pairKey(underlying);
  const c = p.model_params.currency_pair[key];
  if (!c)
    throw new BallastError(
      'INVALID_INPUT',
      `no Deribit PM parameters for ${underlying} (model_params.currency_pair.${key})`,
      `params.model_params.currency_pair.${key}`,
    );
  const f = `params.model_params.currency_pair.${key}`;
  fin(c.delta_total_liq_shock_threshold, `${f}.delta_total_liq_shock_threshold`, 0);
  fin(c.max_delta_shock, `${f}.max_delta_shock`, 0);
  fin(c.m_inc, `${f}.m_inc`, 0);
  return c;
}

/** Account inputs of a settlement currency (0 where absent), validated ≥ 0. */
export function accountInputs(p: DeribitPmParams, settlement: Currency): DeribitPmAccountInputs {
  const key = settlement.toLowerCase();
  const a = p.account[key];
  const f = `params.account.${key}`;
  return {
    open_orders_margin: a ? fin(a.open_orders_margin ?? 0, `${f}.open_orders_margin`, 0) : 0,
    mmp_margin: a ? fin(a.mmp_margin ?? 0, `${f}.mmp_margin`, 0) : 0,
    spot_margin: a ? fin(a.spot_margin ?? 0, `${f}.spot_margin`, 0) : 0,
  };
}

/** Most price buckets per side (Deribit uses 8: 2n + 1 = 17 moves × 3 vol cells). */
export const DERIBIT_PM_MAX_BUCKETS = 100;

/** Validates the switches and general block (INVALID_INPUT naming the field). */
export function validateRules(p: DeribitPmParams): void {
  const r = p.rules;
  if (!r) throw new BallastError('INVALID_INPUT', 'missing rules', 'params.rules');
  oneOf(r.inverseOptionPnl, ['coin-value', 'usd-at-shocked'], 'params.rules.inverseOptionPnl');
  oneOf(r.minVolForShockUp, ['floor-shocked', 'floor-base'], 'params.rules.minVolForShockUp');
  oneOf(r.extendedCoinConversion, ['range-edge', 'none'], 'params.rules.extendedCoinConversion');
  oneOf(r.extendedUsdConversion, ['range-edge', 'none'], 'params.rules.extendedUsdConversion');
  oneOf(r.dampenerGains, ['sign-aware', 'none'], 'params.rules.dampenerGains');
  oneOf(r.gainCapOrder, ['before-offset', 'after-offset'], 'params.rules.gainCapOrder');
  oneOf(r.gainCapUnit, ['usd', 'settlement'], 'params.rules.gainCapUnit');
  oneOf(r.multiPairAggregation, ['sum-of-worst', 'joint'], 'params.rules.multiPairAggregation');
  oneOf(r.rollShockOptions, ['per-expiry', 'per-instrument'], 'params.rules.rollShockOptions');
  oneOf(r.rollShockOptionDelta, ['coin', 'bs'], 'params.rules.rollShockOptionDelta');
  oneOf(r.rollShockTime, ['exp', 'linear'], 'params.rules.rollShockTime');
  oneOf(r.deltaShock, ['H1', 'H2', 'off'], 'params.rules.deltaShock');
  if (!Number.isInteger(r.roundingDecimals) || r.roundingDecimals < 0 || r.roundingDecimals > 15) {
    throw new BallastError(
      'INVALID_INPUT',
      `must be an integer in 0..15, got ${r.roundingDecimals}`,
      'params.rules.roundingDecimals',
    );
  }
  const g = p.model_params?.general;
  if (!g)
    throw new BallastError('INVALID_INPUT', 'missing general block', 'params.model_params.general');
  fin(g.mm_factor, 'params.model_params.general.mm_factor', 0);
  if (!(
    Number.isInteger(g.buckets_count) &&
    g.buckets_count >= 1 &&
    g.buckets_count <= DERIBIT_PM_MAX_BUCKETS
  ))
    throw new BallastError(
      'INVALID_INPUT',
      `must be an integer in [1, ${DERIBIT_PM_MAX_BUCKETS}], got ${String(g.buckets_count)}`,
      'params.model_params.general.buckets_count',
    );
  if (g.vol_scenarios_count !== 3) {
    throw new BallastError(
      'INVALID_INPUT',
      `only 3 vol scenarios (up, same, down) are supported, got ${g.vol_scenarios_count}`,
      'params.model_params.general.vol_scenarios_count',
    );
  }
}

/** Grid parameters of one pair under these params (grid constants from `rules` or the defaults). */
export function gridParams(p: DeribitPmParams, pair: DeribitPmCurrencyPair): DeribitGridParams {
  return {
    priceRange: pair.price_range,
    bucketsCount: p.model_params.general.buckets_count,
    volatilityRangeUp: pair.volatility_range_up,
    volatilityRangeDown: pair.volatility_range_down,
    minVolatilityForShockUp: pair.min_volatility_for_shock_up,
    shortTermVegaPower: pair.short_term_vega_power,
    longTermVegaPower: pair.long_term_vega_power,
    extendedTableFactor: pair.extended_table_factor,
    extendedMoves: p.rules.extendedMoves ?? DERIBIT_GRID_DEFAULTS.extendedMoves,
    pivotDays: p.rules.pivotDays ?? DERIBIT_GRID_DEFAULTS.pivotDays,
    dteFloorDays: p.rules.dteFloorDays ?? DERIBIT_GRID_DEFAULTS.dteFloorDays,
    volCellOrder: p.rules.volCellOrder ?? DERIBIT_GRID_DEFAULTS.volCellOrder,
  };
}

/**
 * Round half away from zero to `decimals` places, on the exact binary value (`toFixed`),
 * the `round9` of docs/methodology/deribit-pm.md §12 for decimals = 9.
 */
export function roundDecimals(x: number, decimals: number): number {
  if (!Number.isFinite(x)) throw new BallastError('NOT_FINITE', `cannot round ${x}`, 'round');
  if (Math.abs(x) >= 1e21) return x;
  const r = Number(Math.abs(x).toFixed(decimals));
  return x < 0 ? -r : r;
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, d) => Number(`1e${d}`));

/** `10^decimals` as `roundDecimalsFast` uses it (0 ≤ decimals ≤ 22), undefined otherwise. */
export function roundDecimalsScale(decimals: number): number | undefined {
  return POW10[decimals];
}

/**
 * `roundDecimals(x, decimals)` without the string, the same double: `y = |x|·10^d`; when `y`
 * is below 4e15 and its fractional part is not within its rounding error (1e-15·y) of ½,
 * `Math.round(y)` is the integer `toFixed` rounds to and `Math.round(y) / 10^d` the correctly
 * rounded double `Number` gives for that decimal; otherwise (near a half, huge values, more
 * than 22 decimals) it calls `roundDecimals`. Throws NOT_FINITE for a non-finite `x` as
 * `roundDecimals` does. The default evaluation rounds twice per reading and pool with it
 * (test/margin/deribit-pm-book-readings.test.ts compares it with `roundDecimals` bit for bit).
 */
export function roundDecimalsFast(x: number, decimals: number): number {
  const scale = POW10[decimals];
  if (scale !== undefined && Number.isFinite(x)) {
    const y = Math.abs(x) * scale;
    const frac = y - Math.floor(y);
    if (y < 4e15 && Math.abs(frac - 0.5) > 1e-15 * y + 1e-300) {
      const r = Math.round(y) / scale;
      return x < 0 ? -r : r;
    }
  }
  return roundDecimals(x, decimals);
}

/**
 * Parameters of the Derive PMRM_2 ("PM2") portfolio-margin model (methodology spec
 * `docs/methodology/derive-pm2.md`, §4). Inside each group the keys are Derive's own governance parameter
 * names (as in the published cases and docs.derive.xyz), so a parameter set reads the same
 * here, in the spec and on chain. Every documented parameter is configurable; the two
 * reporting-only keys `IM_PERP_PERCENT_NORMAL` / `IM_OPTION_PERCENT_NORMAL` (§4.6, "the
 * engine does not read them") are not parameters: the result reports MM% + IM% instead.
 *
 * Collateral parameters (`IsRiskCancelling`, `MMHaircut`, `IMHaircut`, §3.4) are set per
 * collateral asset and travel with the collateral in the input (`input.ts`).
 */
import defaultParamsJson from './default-params.json' with { type: 'json' };

/**
 * Vol-shock direction of a scenario (§4.1): `Up` / `Down` scale every vol by the expiry's
 * term-structure multiplier (§7.2), `None` keeps the vols, `LINEAR` / `ABS` are the two skew
 * shocks (§8.3).
 */
export type VolShockDirection = 'Up' | 'Down' | 'None' | 'LINEAR' | 'ABS';

/** All vol-shock directions, in the order of the spec (§4.1). */
export const VOL_SHOCK_DIRECTIONS: readonly VolShockDirection[] = [
  'Up',
  'Down',
  'None',
  'LINEAR',
  'ABS',
];

/**
 * Reporting block of a scenario (§11): the first scenarios are "regular", the next "tail",
 * the rest "skew". Margin takes the minimum over all of them; the block only decides where a
 * scenario's PnL is reported (`reg_losses`, `tail_losses`, `skew_losses`).
 */
export type ScenarioGroup = 'regular' | 'tail' | 'skew';

/** One governance scenario (§4.1). */
export interface DerivePm2Scenario {
  /** `SpotShock` s > 0: spot multiplier (1.18 = spot +18%). Dimensionless. */
  readonly spotShock: number;
  /** `VolShockDirection`. */
  readonly volShockDirection: VolShockDirection;
  /** `DampeningFactor` δ ≥ 0: weight on the whole scenario PnL (0 switches it off). */
  readonly dampeningFactor: number;
  /**
   * Reporting block (§11). Optional: when absent, `scenarioGroup` infers it (skew by
   * direction; tail if δ ≠ 1 or |s − 1| > 18%; else regular). Does not affect margin.
   */
  readonly group?: ScenarioGroup;
}

/** `Parameters.VolShock` (§4.2, §7.2). */
export interface VolShockParams {
  /** Size of the up vol shock at 30 days to expiry (fraction; 0.5 = vols × 1.5). */
  readonly VOLRANGEUP: number;
  /** Size of the down vol shock at 30 days to expiry (fraction). */
  readonly VOLRANGEDOWN: number;
  /** Term-structure exponent for expiries ≤ 30 days. */
  readonly SHORTTERMPOWER: number;
  /** Term-structure exponent for expiries > 30 days. */
  readonly LONGTERMPOWER: number;
  /** Minimum days to expiry used in the term-structure scaling (days). */
  readonly DTE_FLOOR: number;
  /** Floor on the shocked vol in `Up` scenarios only (annualised vol, decimal). */
  readonly MIN_VOL_EVAL_SHOCKED: number;
}

/** `Parameters.SkewShock` (§4.3, §8.3). */
export interface SkewShockParams {
  /** Base of the LINEAR multiplier cap (fraction of vol). */
  readonly LINEAR_SCALE_CAP: number;
  /** Slope of the LINEAR cap in √T (T in years). */
  readonly LINEAR_CBASE: number;
  /** Base of the ABS multiplier cap (fraction of vol). */
  readonly ABS_SCALE_CAP: number;
  /** Slope of the ABS cap in √T. */
  readonly ABS_CBASE: number;
  /** Floor on the skew width k* (log-moneyness). */
  readonly MIN_K_STAR: number;
  /** Width scale in k* (dimensionless). */
  readonly MIN_WIDTH_SCALE: number;
  /** Constant of the vol proxy in k* (vol, decimal). */
  readonly VOL_PARAM_STATIC: number;
  /** √T slope of the vol proxy in k*. */
  readonly VOL_PARAM_SCALE: number;
}

/** `Parameters.Margin` (§4.4, §7.3, §10). */
export interface MarginParams {
  /** Multiplier on the worst loss for MM. */
  readonly MM_LOSS_FACTOR: number;
  /** Multiplier on the worst loss for IM (before the depeg add-on, §9.3). */
  readonly IM_LOSS_FACTOR: number;
  /** B⁺: static discount base for positive expiry values. */
  readonly BASE_STATIC_DISCOUNT: number;
  /** m⁺: rate multiplier in SD⁺ (RFR_FACTOR1_POS of the sweep tests). */
  readonly LONG_RATE_MULTSCALE: number;
  /** a⁺: additive rate in SD⁺, per year (RFR_FACTOR2_POS). */
  readonly LONG_RATE_ADDSCALE: number;
  /** B⁻: static mark-up base for negative expiry values. */
  readonly BASE_STATIC_DISCOUNT_NEG: number;
  /** m⁻: rate multiplier in SD⁻ (RFR_FACTOR1_NEG). */
  readonly SHORT_RATE_MULTSCALE: number;
  /** a⁻: additive rate in SD⁻, per year (RFR_FACTOR2_NEG). */
  readonly SHORT_RATE_ADDSCALE: number;
}

/** `Parameters.BasisContingency` (§4.5, §7.4). */
export interface BasisContingencyParams {
  /** Spot multiplier of the up leg (> 1). */
  readonly SCENARIO_SPOT_UP: number;
  /** Spot multiplier of the down leg (< 1). */
  readonly SCENARIO_SPOT_DOWN: number;
  /** Constant part of the scale on the basis loss. */
  readonly BASIS_CONT_ADD_FACTOR: number;
  /** Per-year part of the scale on the basis loss (× T in years). */
  readonly BASIS_CONT_MULT_FACTOR: number;
}

/** `Parameters.OtherContingency` (§4.6, §9). Percentages are fractions of a USD notional. */
export interface OtherContingencyParams {
  /** Stable price (USD) below which the IM loss factor is raised. */
  readonly PEG_LOSS_THRESHOLD: number;
  /** Slope of that increase (loss factor per USD of depeg). */
  readonly PEG_LOSS_FACTOR: number;
  /** Oracle confidence below which the oracle add-on applies, in [0, 1]. */
  readonly CONF_THRESHOLD: number;
  /** Scale of the oracle add-on. */
  readonly CONF_MARGIN: number;
  /** MM add-on per USD of perp notional |q|·S. */
  readonly MM_PERP_PERCENT: number;
  /** Extra IM add-on per USD of perp notional (on top of MM). */
  readonly IM_PERP_PERCENT: number;
  /** MM add-on per naked short × spot (USD). */
  readonly MM_OPTION_PERCENT: number;
  /** Extra IM add-on per naked short × spot (on top of MM). */
  readonly IM_OPTION_PERCENT: number;
}

/** The full PMRM_2 parameter set (§4). Plain JSON data. */
export interface DerivePm2Params {
  /** `Parameters.Scenarios`, in governance order (1–40 scenarios). */
  readonly scenarios: readonly DerivePm2Scenario[];
  readonly volShock: VolShockParams;
  readonly skewShock: SkewShockParams;
  readonly margin: MarginParams;
  readonly basisContingency: BasisContingencyParams;
  readonly otherContingency: OtherContingencyParams;
}

/**
 * Reporting block of scenario `sc` (§11): its `group` if set; otherwise skew for LINEAR/ABS,
 * tail if the dampening is not 1 or the spot move exceeds the regular grid's ±18%, else
 * regular. (The published cases assign blocks by position; the rule agrees with all 104 of
 * them, including tail scenarios with δ = 1.)
 */
export function scenarioGroup(sc: DerivePm2Scenario): ScenarioGroup {
  if (sc.group !== undefined) return sc.group;
  if (sc.volShockDirection === 'LINEAR' || sc.volShockDirection === 'ABS') return 'skew';
  if (sc.dampeningFactor !== 1 || Math.abs(sc.spotShock - 1) > 0.18 + 1e-12) return 'tail';
  return 'regular';
}

const { $comment: _comment, ...defaults } = defaultParamsJson;

/**
 * The base PMRM_2 parameter set (`default-params.json`): the "Base" column of spec §4 and
 * the usual 31-scenario grid (23 regular, 6 tail, LINEAR and ABS). The grid (spot shocks
 * and tail dampening factors, bit for bit) is taken from the representative published case
 * `test_18_structures_OTM_call_spread`, since the spec states the tail dampening factors only
 * approximately.
 */
export const DEFAULT_DERIVE_PM2_PARAMS: DerivePm2Params = defaults as DerivePm2Params;

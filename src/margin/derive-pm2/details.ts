/**
 * The intermediates of a PMRM_2 evaluation (`MarginResult.details` of model `derive-pm2`).
 * The upper part mirrors the `Result` object of the published Derive cases field for field,
 * with the same names, signs and order (methodology spec `docs/methodology/derive-pm2.md`, §11), so each
 * published number can be compared with ours directly; the lower part adds per-expiry and
 * per-option breakdowns the cases do not publish. Amounts in USD (units of the stable cash
 * asset); contingency fields negated as in `Result` (negative = margin consumed).
 */

/** Vol direction code of a `reg_losses` / `tail_losses` row: +1 Up, −1 Down, 0 None. */
export type VolDirectionCode = -1 | 0 | 1;

/** `[s − 1, vol direction, PnL]`: one regular or tail scenario (§11). */
export type ScenarioLossRow = readonly [
  spotMove: number,
  volDirection: VolDirectionCode,
  pnl: number,
];

/** `[name, PnL]`: one skew scenario (§11). */
export type SkewLossRow = readonly [name: string, pnl: number];

/** Which block holds the overall worst loss (`worst_all_scenarios`). */
export type WorstBlock = 'regular' | 'tail' | 'skew' | 'fwd_contingency';

/** Per-expiry breakdown (not in `Result`; expiries in order of first appearance). */
export interface DerivePm2ExpiryDetail {
  /** `Expiry` key, seconds. */
  readonly expiry: number;
  /** Year fraction T. */
  readonly T: number;
  /** Floored rate r and df = exp(−r·T). */
  readonly rate: number;
  readonly df: number;
  /** Feed forward F and its spot-sensitive / fixed split (§5.4), USD. */
  readonly forward: number;
  readonly forwardVariable: number;
  readonly forwardFixed: number;
  /** MTM_e, USD. */
  readonly mtm: number;
  /** Up_e, Down_e (§7.2). */
  readonly volShockUp: number;
  readonly volShockDown: number;
  /** SD⁺_e, SD⁻_e (§7.3). */
  readonly staticDiscountPositive: number;
  readonly staticDiscountNegative: number;
  /** U_e − MTM_e, D_e − MTM_e, ADD + MULT·T and BC_e (§7.4). */
  readonly basisUpPnl: number;
  readonly basisDownPnl: number;
  readonly basisScale: number;
  readonly basisContingency: number;
  /** κ_e (§5.5) and the expiry's oracle add-on (§9.2, positive). */
  readonly confidence: number;
  readonly oracleAddOn: number;
  /** PnL of this expiry in every scenario, parameter order. */
  readonly scenarioPnls: readonly number[];
}

/**
 * Per-option breakdown, in input order. The skew fields carry the published names of
 * `Scenario.Options[]` (§3.2): `k` = ln(K/F) against the feed forward.
 */
export interface DerivePm2OptionDetail {
  readonly expiry: number;
  readonly strike: number;
  readonly isCall: boolean;
  readonly amount: number;
  /** SVI vol σ_i (§5.3). */
  readonly vol: number;
  /** Amount × price at F(1), USD (§7.1). */
  readonly markValue: number;
  readonly k: number;
  readonly k_star: number;
  readonly linear_mult_cap: number;
  readonly abs_mult_cap: number;
  readonly linear_multiplier: number;
  readonly abs_multiplier: number;
}

/** Intermediates of one PMRM_2 evaluation (see the module comment). */
export interface DerivePm2Details {
  // ---- Fields of the published `Result` (same names and signs) ----
  readonly Cash: number;
  /** MtM + cash: the equity of the `MarginResult`. */
  readonly PortfolioMTM: number;
  readonly OptionMTM: number;
  readonly OptionMTMPerExpiry: readonly number[];
  readonly OptionMTMPerExpiryDiscounted: readonly number[];
  readonly PerpMTM: number;
  readonly UnrealisedPerpPNL: number;
  readonly UnrealisedFunding: number;
  readonly CollateralMTM: number;
  readonly reg_losses: readonly ScenarioLossRow[];
  readonly tail_losses: readonly ScenarioLossRow[];
  readonly skew_losses: readonly SkewLossRow[];
  /** Minimum of each block (null for an empty block). */
  readonly worst_reg_loss: number | null;
  readonly worst_tail_loss: number | null;
  readonly worst_skew_loss: number | null;
  /** `[s − 1, dir]` of the worst regular scenario. */
  readonly worst_reg_scenario: readonly [number, VolDirectionCode] | null;
  /** `[s − 1, dir, δ]` of the worst tail scenario. */
  readonly worst_tail_scenario: readonly [number, VolDirectionCode, number] | null;
  readonly worst_skew_scenario: string | null;
  /** Block of the overall minimum (ties: regular, tail, skew, then fwd_contingency). */
  readonly worst_all_scenarios: WorstBlock;
  /** BC (§7.4), ≤ 0. */
  readonly ForwardContingency: number;
  readonly MMPerpCont: number;
  readonly IMPerpCont: number;
  readonly IMPerpContNormal: number;
  readonly MMOptionCont: number;
  readonly IMOptionCont: number;
  readonly IMOptionContNormal: number;
  readonly MMBaseCont: number;
  readonly IMBaseCont: number;
  readonly IMBaseContNormal: number;
  readonly OracleCont: number;
  readonly MMLossFactor: number;
  readonly IMLossFactor: number;
  readonly im_loss_factor: number;
  /** `[SD⁺, SD⁻]` per expiry. */
  readonly discount_factors: readonly (readonly [number, number])[];
  /** Per option, input order. */
  readonly VolShockUpMultiplier: readonly number[];
  readonly VolShockDownMultiplier: readonly number[];
  /** max(MIN_VOL_EVAL_SHOCKED, σ_i·Up_e) and σ_i·Down_e with the SVI vol σ_i. */
  readonly VolShockUpEvaluated: readonly number[];
  readonly VolShockDownEvaluated: readonly number[];
  /** Margin surplus (§10): IM = worstLoss·(IM factor) − MMcont − IMcont + MtM + c. */
  readonly IM: number;
  /** Margin surplus (§10): MM = worstLoss·MM_LOSS_FACTOR − MMcont + MtM + c. */
  readonly MM: number;
  readonly IMHand: number;
  readonly MMHand: number;

  // ---- Additional breakdowns ----
  /** worstLoss = min(BC, min over scenarios) ≤ 0 (§10). */
  readonly worstLoss: number;
  /** Every scenario's PnL in parameter order. */
  readonly scenarioPnls: readonly number[];
  /** N, naked shorts (§9.1), units of the base asset. */
  readonly nakedShorts: number;
  /** MtM without cash (§10). */
  readonly mtm: number;
  readonly expiries: readonly DerivePm2ExpiryDetail[];
  readonly options: readonly DerivePm2OptionDetail[];
}

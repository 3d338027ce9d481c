/**
 * Input of the Derive PMRM_2 model (methodology spec `docs/methodology/derive-pm2.md`, §3): one subaccount
 * holding options and perps on one base asset plus cash and collateral tokens, and the
 * market data (oracle prices with confidences, one feed per option expiry). Plain data in
 * the spec's own terms; `src/io/derive-case.ts` builds it from a Derive case file.
 *
 * Units: prices in USD per unit of the base asset (or of the collateral); sizes in units of
 * the base asset (1 option = 1 unit of underlying), signed, long > 0; times in seconds;
 * rates continuously compounded per year; vols annualised; confidences in [0, 1].
 */

/** One option position (`Scenario.Options[]`, §3.2). */
export interface DerivePm2Option {
  /**
   * `Expiry`: seconds to expiry (≤ 0 = expired, treated as 0, §12.1). The grouping key:
   * options with the same value form one expiry and are priced with the feed whose
   * `expiry` equals it.
   */
  readonly expiry: number;
  /** `Strike`, USD. */
  readonly strike: number;
  /** `IsCall`: true for a call, false for a put. */
  readonly isCall: boolean;
  /** `Amount`: signed size in units of the base asset. */
  readonly amount: number;
}

/** One collateral holding (`Scenario.Collaterals[]`, §3.4), with its per-asset parameters. */
export interface DerivePm2Collateral {
  /** `Name`, e.g. `WEETH`, `USDT` (labels only). */
  readonly name: string;
  /** `Amount`: units held. */
  readonly amount: number;
  /** `Price`: USD per unit. */
  readonly price: number;
  /** `Confidence` of that price's oracle, in [0, 1]. */
  readonly confidence: number;
  /** `IsRiskCancelling`: the collateral is the base asset itself and moves with every spot shock. */
  readonly isRiskCancelling: boolean;
  /** `MMHaircut`: fraction of value charged as MM contingency, in [0, 1]. */
  readonly mmHaircut: number;
  /** `IMHaircut`: additional fraction charged as IM contingency (MM + IM ≤ 1). */
  readonly imHaircut: number;
}

/** The account's holdings (§3.1–§3.4). */
export interface DerivePm2Portfolio {
  /** `Cash`: balance of the stable cash asset (USDC), may be negative. Added as is. */
  readonly cash: number;
  /** `NumPerps` q: signed perp position in units of the base asset. */
  readonly numPerps: number;
  /** `UnrealisedPerpPNL`, USD (enters MtM while q ≠ 0, §13.5). */
  readonly unrealisedPerpPnl: number;
  /** `UnrealisedFunding`, USD (enters MtM while q ≠ 0). */
  readonly unrealisedFunding: number;
  /** Options in their listing order (per-option results follow this order). */
  readonly options: readonly DerivePm2Option[];
  readonly collaterals: readonly DerivePm2Collateral[];
}

/** Raw-SVI parameters of one expiry's smile, `SVIparam` = [a, b, ρ, m, σ, F_svi, τ_svi] (§5.3). */
export interface DerivePm2Svi {
  readonly a: number;
  readonly b: number;
  readonly rho: number;
  readonly m: number;
  readonly sigma: number;
  /** Forward the slice was fitted with (log-moneyness is taken against it), USD. */
  readonly forward: number;
  /** Year fraction the slice was fitted with (total variance w = σ_BS²·τ), years. */
  readonly tau: number;
}

/** The oracle feeds of one expiry (`Scenario.OptionFeeds[]`, §3.3). */
export interface DerivePm2ExpiryFeed {
  /** `FeedExpiry`: seconds to expiry, matched to `DerivePm2Option.expiry`. */
  readonly expiry: number;
  /** `Forward` F, USD. */
  readonly forward: number;
  readonly forwardConfidence: number;
  /** `Rate` r (floored at 0 by the model, §5.2). */
  readonly rate: number;
  readonly rateConfidence: number;
  /** `SVIparam`. */
  readonly svi: DerivePm2Svi;
  /** `OptionVolConfidences`. */
  readonly volConfidence: number;
}

/** Market data (§3.1, §3.3). */
export interface DerivePm2Market {
  /** `SpotPrice` S of the base asset, USD: contingency notionals only, not option pricing. */
  readonly spotPrice: number;
  /** `SpotConfidence` κ_S. */
  readonly spotConfidence: number;
  /** `StablePrice` P_st of the cash asset, USD (≈ 1): converts collateral, drives the depeg factor. */
  readonly stablePrice: number;
  /** `StableConfidence`: informational, not used by the model. */
  readonly stableConfidence: number;
  /** `PerpPrice`, USD: the perp's scenario PnL. */
  readonly perpPrice: number;
  /** `PerpConfidence` κ_P: used only if the account holds perps. */
  readonly perpConfidence: number;
  /** Feeds per expiry; feeds of expiries the account holds no option in are ignored. */
  readonly feeds: readonly DerivePm2ExpiryFeed[];
}

/** Everything the model reads besides its parameters. */
export interface DerivePm2Input {
  readonly portfolio: DerivePm2Portfolio;
  readonly market: DerivePm2Market;
}

/**
 * Inverse (coin-settled, Deribit-style) European options on a forward quoted in USD per coin.
 *
 * Convention (test/fixtures/quantlib/README.md, `inverse.json`): the price in coin is the
 * discounted Black-76 USD price divided by F, with the same F used as the Black-76 forward
 * and as the USD → coin rate: priceCoin = df·Black(F, K, σ√T)/F.
 *
 * Units: F, K in USD per coin; T in years; σ a decimal; prices in coin (or USD) per option on
 * one coin. Greeks with `Coin` in their name are derivatives of priceCoin.
 */
import type { OptionRight } from '../instruments/instrument.ts';
import { black76Greeks, black76Price } from './black76.ts';

/** Greeks of an inverse option (one option on one coin). */
export interface InverseOptionGreeks {
  /** Discounted price in coin: df·Black/F. */
  readonly priceCoin: number;
  /** Undiscounted price in coin: Black/F. */
  readonly priceCoinUndiscounted: number;
  /** Discounted price in USD: df·Black (the Black-76 price). */
  readonly priceUsd: number;
  /**
   * Dimensionless coin delta (premium-adjusted forward delta, what Deribit shows):
   * F·∂priceCoin/∂F = df·K/F·N(d2) (call), −df·K/F·N(−d2) (put).
   */
  readonly coinDelta: number;
  /** ∂priceCoin/∂F in coin per USD = coinDelta/F. */
  readonly coinDeltaDF: number;
  /**
   * ∂²priceCoin/∂F² in coin per USD². Quotient rule (gammaUsd·F − 2·deltaUsd + 2·priceUsd/F)/F²,
   * evaluated in the algebraically equal, cancellation-free form (gammaUsd − 2·coinDelta/F)/F.
   */
  readonly coinGamma: number;
  /** ∂priceCoin/∂σ per 1.00 vol = vegaUsd/F (F fixed). */
  readonly vegaCoin: number;
  /** ∂priceCoin/∂t per calendar year = thetaUsd/F (F fixed). */
  readonly thetaCoin: number;
  /** ∂priceUsd/∂F (discounted Black-76 delta), dimensionless. */
  readonly deltaUsd: number;
  /** Undiscounted Black-76 delta N(d1) (call), −N(−d1) (put) = deltaUsd/df. */
  readonly forwardDeltaUsd: number;
  /** ∂²priceUsd/∂F², per USD. */
  readonly gammaUsd: number;
  /** ∂priceUsd/∂σ per 1.00 vol, USD. */
  readonly vegaUsd: number;
  /** ∂priceUsd/∂t per calendar year (F fixed), USD. */
  readonly thetaUsd: number;
}

/**
 * Price in coin of an inverse option: df·Black(F, K, σ√T)/F (see `black76Price` for inputs
 * and errors).
 */
export function inverseOptionPrice(
  right: OptionRight,
  F: number,
  K: number,
  T: number,
  sigma: number,
  df = 1,
): number {
  return black76Price(right, F, K, T, sigma, df) / F;
}

/** Price and greeks of an inverse option (see `InverseOptionGreeks` for units and formulas). */
export function inverseOptionGreeks(
  right: OptionRight,
  F: number,
  K: number,
  T: number,
  sigma: number,
  df = 1,
): InverseOptionGreeks {
  const g = black76Greeks(right, F, K, T, sigma, df);
  // strikeSensitivity = −w·df·N(w·d2), so coinDelta = w·df·K/F·N(w·d2) = −(K/F)·strikeSensitivity.
  const coinDelta = -(K / F) * g.strikeSensitivity;
  return {
    priceCoin: g.price / F,
    priceCoinUndiscounted: g.priceUndiscounted / F,
    priceUsd: g.price,
    coinDelta,
    coinDeltaDF: coinDelta / F,
    coinGamma: (g.gamma - (2 * coinDelta) / F) / F,
    vegaCoin: g.vega / F,
    thetaCoin: g.theta / F,
    deltaUsd: g.delta,
    forwardDeltaUsd: g.forwardDelta,
    gammaUsd: g.gamma,
    vegaUsd: g.vega,
    thetaUsd: g.theta,
  };
}

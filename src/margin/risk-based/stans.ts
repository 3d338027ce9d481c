/**
 * STANS-style margin (OCC's System for Theoretical Analysis and Numerical Simulations, as
 * summarised in docs/methodology/span-tims.md §3 [T; details I]): full-portfolio Monte Carlo over a two-day
 * horizon, joint simulation of prices and implied vols with fat tails and tail dependence,
 * margin = 99 % expected shortfall.
 *
 * Here: `es` (risk-based.ts) with STANS defaults: 10,000 paths of a multivariate Student-t
 * (ν = 4: fat tails and a shared mixing variable, so joint crashes), 2 days, 99 % ES, implied
 * vol moved with the spot (vol of vol 90 % a year, spot-vol correlation −0.4: vol up when
 * prices fall), one requirement (MM = IM, as OCC). Not modelled [G]: OCC's concentration and
 * dependence stress components, its GARCH-type vol clustering (the vol level is today's), and
 * its collateral simulation (segregated pools, collateral at face value).
 */
import type { MarketSnapshot } from '../../market/snapshot.ts';
import type { Portfolio } from '../../risk/portfolio.ts';
import type { MarginModel } from '../margin-model.ts';
import type { MarginResult } from '../margin-result.ts';
import { DEFAULT_MC, RISK_BASED_DEFAULTS, type RiskBasedParams } from './params.ts';
import { evaluateRiskBased } from './risk-based.ts';

/** Model id and version. */
export const STANS_ID = 'stans';
export const STANS_VERSION = '1.0.0';

/** STANS defaults (module doc). */
export const STANS_DEFAULTS: RiskBasedParams = {
  ...RISK_BASED_DEFAULTS,
  method: 'mc',
  confidence: 0.99,
  horizonDays: 2,
  mc: {
    ...DEFAULT_MC,
    paths: 10000,
    model: 'student-t',
    degreesOfFreedom: 4,
    volOfVol: 0.9,
    spotVolCorrelation: -0.4,
  },
  maintenanceFraction: 1,
};

/** The `unverified` note of every STANS result. */
export const STANS_NOTE =
  "stans: 2-day 99 % ES on Student-t (ν 4) paths with lognormal parallel implied-vol moves (vol of vol 0.9, spot-vol ρ −0.4) stands in for OCC's undisclosed joint model; concentration/dependence stress and vol clustering not modelled [G]";

/**
 * STANS-style margin: 99 % expected shortfall over 2 days on 10,000 Monte Carlo paths of prices
 * and implied vols, full revaluation, per settlement currency (module doc).
 */
export const stansModel: MarginModel<RiskBasedParams> = {
  id: STANS_ID,
  version: STANS_VERSION,
  title:
    'STANS-style Monte Carlo ES (99 %, 2 days, prices and implied vols), per settlement currency',
  scenarioBased: true,
  defaultParams: STANS_DEFAULTS,
  evaluate(
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: RiskBasedParams,
  ): MarginResult[] {
    return evaluateRiskBased(STANS_ID, STANS_VERSION, 'es', portfolio, snapshot, params).map(
      (r) => ({ ...r, unverified: [STANS_NOTE, ...r.unverified] }),
    );
  },
};

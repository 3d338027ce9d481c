/**
 * Derive PMRM_2 on a Ballast portfolio and market snapshot: the adapter that lets the
 * Derive model sit beside the others in `ballast margin` and `ballast compare`.
 *
 * Applicable to a book of **linear (USDC-settled) options and perps on one underlying**, as
 * Derive lists them; anything else (inverse instruments, futures, several underlyings) is
 * UNSUPPORTED rather than approximated. Mapping (docs/methodology/derive-pm2.md §3):
 * - options → `Options[]` with expiry in seconds from the snapshot time; one feed per expiry
 *   with the snapshot's forward, rate and the SVI slice of exactly that expiry (a missing
 *   slice is MISSING_VOL: Derive prices off per-expiry SVI, not an interpolation);
 * - the linear perp → `NumPerps`, `PerpPrice` = perp mark, unrealised P&L from `entryPrice`;
 * - USD-like balances → `Cash`; balances of the underlying coin → risk-cancelling collateral
 *   with the haircuts in `collateralHaircuts` (ours, listed as unverified); other coins → UNSUPPORTED;
 * - confidences from the snapshot (1 where absent).
 */
import { BallastError } from '../../core/errors.ts';
import { marginInputsHash } from '../inputs-hash.ts';
import { canonicalPositions } from '../book.ts';
import { collateralOnlyPool } from '../collateral-pool.ts';
import { segregatedCollateral } from '../../risk/collateral.ts';
import { isUsdLike } from '../../core/currency.ts';
import { forwardAt } from '../../market/forwards.ts';
import { perpMark, underlyingMarket } from '../../market/marks.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import type { VanillaOption } from '../../instruments/instrument.ts';
import { underlyingsOf, type Portfolio } from '../../risk/portfolio.ts';
import type { MarginModel } from '../margin-model.ts';
import type { MarginResult } from '../margin-result.ts';
import { derivePm2Margin, DERIVE_PM2_MODEL_ID, DERIVE_PM2_MODEL_VERSION } from './derive-pm2.ts';
import type {
  DerivePm2Collateral,
  DerivePm2ExpiryFeed,
  DerivePm2Input,
  DerivePm2Option,
} from './input.ts';
import { DEFAULT_DERIVE_PM2_PARAMS, type DerivePm2Params } from './params.ts';

/** Parameters of the adapted model: Derive's own plus haircuts for coin collateral. */
export interface DerivePm2PortfolioParams {
  readonly model: DerivePm2Params;
  /** Haircuts applied to balances of the underlying coin (Derive sets them per asset). */
  readonly collateralHaircuts: { readonly maintenance: number; readonly initial: number };
}

/** Defaults: Derive's base parameters; coin collateral haircuts 2% MM + 1% IM (ours). */
export const DEFAULT_DERIVE_PM2_PORTFOLIO_PARAMS: DerivePm2PortfolioParams = {
  model: DEFAULT_DERIVE_PM2_PARAMS,
  collateralHaircuts: { maintenance: 0.02, initial: 0.01 },
};

/**
 * The subaccount's one underlying: that of its positions, or, with no position, the one coin
 * it holds as collateral (balances summing to non-zero; margined with the coin's scenarios).
 * Undefined for a subaccount with no position and only USD-like cash (nothing moves).
 * Several are UNSUPPORTED.
 */
export function deriveUnderlying(p: Portfolio): string | undefined {
  const underlyings = underlyingsOf(p.positions);
  if (underlyings.length > 1)
    throw new BallastError(
      'UNSUPPORTED',
      `Derive PM2 margins one underlying per subaccount; this book has ${underlyings.length}`,
      'positions',
    );
  if (underlyings.length === 1) return underlyings[0];
  const coins = [...new Set(p.balances.map((b) => b.currency))].filter(
    (c) => !isUsdLike(c) && segregatedCollateral(p.balances, c) !== 0,
  );
  if (coins.length > 1)
    throw new BallastError(
      'UNSUPPORTED',
      `Derive PM2 margins one underlying per subaccount; this book has no position and collateral in ${coins.join(', ')}`,
      'balances',
    );
  return coins[0];
}

/** Builds the Derive model input of a subaccount on underlying `coin` (see module doc). */
export function derivePm2Input(
  p: Portfolio,
  snapshot: MarketSnapshot,
  params: DerivePm2PortfolioParams,
  coin = deriveUnderlying(p),
): { input: DerivePm2Input; unverified: string[] } {
  if (coin === undefined)
    throw new BallastError(
      'UNSUPPORTED',
      'Derive PM2 needs an underlying: this book has no position and no coin collateral',
      'positions',
    );
  const u = underlyingMarket(snapshot, coin, p.positions.length > 0 ? 'positions' : 'balances');
  const options: DerivePm2Option[] = [];
  const feeds = new Map<number, DerivePm2ExpiryFeed>();
  let numPerps = 0;
  let unrealisedPerpPnl = 0;
  // Canonical (symbol) order: the margin's floating-point sums must not depend on input order.
  for (const pos of canonicalPositions(p.positions)) {
    const inst = pos.instrument;
    if (inst.settlement !== 'linear')
      throw new BallastError(
        'UNSUPPORTED',
        `Derive lists USDC-settled instruments only; ${inst.symbol} is coin-settled`,
        inst.symbol,
      );
    if (inst.kind === 'perpetual') {
      numPerps += pos.size;
      if (pos.entryPrice !== undefined)
        unrealisedPerpPnl += pos.size * (perpMark(u) - pos.entryPrice);
      continue;
    }
    if (inst.kind !== 'option')
      throw new BallastError(
        'UNSUPPORTED',
        `Derive PM2 margins options and perps; ${inst.symbol} is a ${inst.kind}`,
        inst.symbol,
      );
    if (!(inst.expiryMs > snapshot.asOfMs))
      throw new BallastError('EXPIRED', 'the option has expired at the snapshot time', inst.symbol);
    const expiry = (inst.expiryMs - snapshot.asOfMs) / 1000;
    options.push({ expiry, strike: inst.strike, isCall: inst.right === 'call', amount: pos.size });
    if (!feeds.has(expiry)) feeds.set(expiry, expiryFeed(u, inst, expiry, snapshot.asOfMs));
  }
  const { cash, collaterals, unverified } = collateralOf(p, coin, u, params);
  const input: DerivePm2Input = {
    portfolio: { cash, numPerps, unrealisedPerpPnl, unrealisedFunding: 0, options, collaterals },
    market: {
      spotPrice: u.index,
      spotConfidence: u.confidence?.index ?? 1,
      stablePrice: 1,
      stableConfidence: 1,
      perpPrice: perpMark(u),
      perpConfidence: u.confidence?.index ?? 1,
      feeds: [...feeds.values()],
    },
  };
  return { input, unverified };
}

type UnderlyingData = ReturnType<typeof underlyingMarket>;

/** The feed of one option expiry: forward, rate and the exact-expiry SVI slice (typed errors). */
function expiryFeed(
  u: UnderlyingData,
  inst: VanillaOption,
  expiry: number,
  asOfMs: number,
): DerivePm2ExpiryFeed {
  const slice = u.surface.find((s) => s.expiryMs === inst.expiryMs);
  if (!slice)
    throw new BallastError(
      'MISSING_VOL',
      'Derive PM2 needs the SVI slice of this exact expiry; the snapshot has none',
      inst.symbol,
    );
  return {
    expiry,
    forward: forwardAt(u, inst.expiryMs, asOfMs, inst.symbol),
    forwardConfidence: u.confidence?.forwards ?? 1,
    rate: u.rate,
    rateConfidence: 1,
    svi: { ...slice.params, forward: slice.forward, tau: slice.T },
    volConfidence: u.confidence?.vol ?? 1,
  };
}

/** USDC cash and coin collateral (with our haircuts, noted as unverified); others refused. */
function collateralOf(
  p: Portfolio,
  coin: string,
  u: UnderlyingData,
  params: DerivePm2PortfolioParams,
): { cash: number; collaterals: DerivePm2Collateral[]; unverified: string[] } {
  let cash = 0;
  const collaterals: DerivePm2Collateral[] = [];
  const unverified: string[] = [];
  p.balances.forEach((b, i) => {
    if (isUsdLike(b.currency)) cash += b.amount;
    else if (b.currency === coin) {
      collaterals.push({
        name: coin,
        amount: b.amount,
        price: u.index,
        confidence: u.confidence?.index ?? 1,
        isRiskCancelling: true,
        mmHaircut: params.collateralHaircuts.maintenance,
        imHaircut: params.collateralHaircuts.initial,
      });
    } else
      throw new BallastError(
        'UNSUPPORTED',
        `Derive PM2 here takes USDC and ${coin} collateral only, not ${b.currency}`,
        `balances[${i}].currency`,
      );
  });
  if (collaterals.length > 0)
    unverified.push(
      `derive-pm2: ${coin} collateral haircuts ${params.collateralHaircuts.maintenance} MM / ${params.collateralHaircuts.initial} IM are ours (Derive sets them per asset)`,
    );
  return { cash, collaterals, unverified };
}

/**
 * A subaccount holding only USD-like cash: IM = MM = 0, equity = Σ USD-like balances (Derive
 * counts them as `Cash` at 1, `collateralOf`), USDC; no `details` (the model is not run: it
 * needs an underlying's market).
 */
function cashOnlySubaccount(p: Portfolio, inputsHash: string): MarginResult {
  let cash = 0;
  for (const b of p.balances) if (isUsdLike(b.currency)) cash += b.amount;
  return collateralOnlyPool(
    DERIVE_PM2_MODEL_ID,
    DERIVE_PM2_MODEL_VERSION,
    'USDC',
    cash,
    inputsHash,
  );
}

/** Derive PMRM_2 as a `MarginModel` on Ballast portfolios (one USDC pool). */
export const derivePm2Model: MarginModel<DerivePm2PortfolioParams> = {
  id: DERIVE_PM2_MODEL_ID,
  version: DERIVE_PM2_MODEL_VERSION,
  title: 'Derive PMRM_2 portfolio margin (USDC options and perps)',
  scenarioBased: true,
  defaultParams: DEFAULT_DERIVE_PM2_PORTFOLIO_PARAMS,
  evaluate(
    p: Portfolio,
    snapshot: MarketSnapshot,
    params: DerivePm2PortfolioParams,
  ): MarginResult[] {
    const coin = deriveUnderlying(p);
    // The hash is over the Ballast inputs (order-independent), not the Derive input, whose
    // option list follows the portfolio's position order.
    const inputsHash = marginInputsHash(
      DERIVE_PM2_MODEL_ID,
      DERIVE_PM2_MODEL_VERSION,
      params,
      p,
      snapshot,
    );
    // Only USD-like cash (no position, no coin): no scenario moves it; equity is the cash.
    if (coin === undefined) return [cashOnlySubaccount(p, inputsHash)];
    const { input, unverified } = derivePm2Input(p, snapshot, params, coin);
    const r = derivePm2Margin(input, params.model);
    return [{ ...r, currency: 'USDC', unverified: [...r.unverified, ...unverified], inputsHash }];
  },
};

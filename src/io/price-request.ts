/**
 * One option-pricing request, as given on the command line or as one JSON line:
 * validated at the boundary, then priced (Black-76, linear or inverse) with greeks, or
 * inverted to an implied vol when a premium is given instead of a vol.
 */
import Type, { type Static } from 'typebox';
import { BallastError } from '../core/errors.ts';
import { black76Greeks } from '../pricing/black76.ts';
import { inverseOptionGreeks } from '../pricing/inverse.ts';
import { impliedVolBlack76 } from '../pricing/implied-vol.ts';
import { parseJson } from './read-json.ts';
import { checkSchema } from './schema-check.ts';

/** JSON schema of a pricing request (one JSON line of `ballast price --jsonl`). */
export const PriceRequestSchema = Type.Object({
  id: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  right: Type.Union([Type.Literal('call'), Type.Literal('put')]),
  F: Type.Number({ description: 'forward, USD per coin' }),
  K: Type.Number({ description: 'strike, USD per coin' }),
  T: Type.Number({ description: 'time to expiry, ACT/365 years' }),
  sigma: Type.Optional(Type.Number({ description: 'implied vol, decimal (0.6 = 60%)' })),
  price: Type.Optional(
    Type.Number({ description: 'premium: USD (linear) or coin (inverse); solves for the vol' }),
  ),
  r: Type.Optional(
    Type.Number({ description: 'continuously compounded discount rate (default 0)' }),
  ),
  inverse: Type.Optional(
    Type.Boolean({ description: 'coin-settled (Deribit-style): premium in coin = USD price / F' }),
  ),
});

/** A validated pricing request. */
export type PriceRequest = Static<typeof PriceRequestSchema>;

/** Result: price in USD (and coin if inverse), implied vol used, and greeks. */
export interface PriceResult {
  readonly id?: string | number;
  readonly right: 'call' | 'put';
  readonly F: number;
  readonly K: number;
  readonly T: number;
  readonly sigma: number;
  readonly impliedFromPrice: boolean;
  readonly priceUsd: number;
  readonly priceCoin?: number;
  /** Discounted delta, dPrice/dF (USD per USD), or the coin (premium-adjusted) delta if inverse. */
  readonly delta: number;
  readonly forwardDelta: number;
  readonly gamma: number;
  /** Per 1 vol point (0.01), in the premium currency. */
  readonly vegaPerPoint: number;
  /** Per calendar day, in the premium currency. */
  readonly thetaPerDay: number;
}

/** Validates the numbers of a request; `name` maps a field to how the user wrote it (`--vol`, `line 3.sigma`). */
function validate(req: PriceRequest, name: (f: string) => string): void {
  for (const f of ['F', 'K'] as const) {
    if (!Number.isFinite(req[f]) || req[f] <= 0)
      throw new BallastError('INVALID_INPUT', `must be a positive number, got ${req[f]}`, name(f));
  }
  if (!Number.isFinite(req.T))
    throw new BallastError('NOT_FINITE', `must be a finite number`, name('T'));
  if (req.T <= 0)
    throw new BallastError(
      'EXPIRED',
      `the option has expired (time to expiry ${req.T} years must be > 0)`,
      name('T'),
    );
  if (req.sigma === undefined && req.price === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      'give a vol to price, or a premium to imply a vol from',
      name('sigma'),
    );
  if (req.sigma !== undefined && req.price !== undefined)
    throw new BallastError(
      'INVALID_INPUT',
      'give either a vol or a premium, not both',
      name('sigma'),
    );
  if (req.sigma !== undefined && !(Number.isFinite(req.sigma) && req.sigma > 0)) {
    throw new BallastError(
      'INVALID_VOL',
      `volatility must be a positive number (0.6 = 60%), got ${req.sigma}`,
      name('sigma'),
    );
  }
  if (req.r !== undefined && !Number.isFinite(req.r))
    throw new BallastError('NOT_FINITE', 'must be a finite number', name('r'));
}

/** Prices (or inverts) one request. `name` maps a field to how the user wrote it. */
export function runPriceRequest(
  req: PriceRequest,
  name: (f: string) => string = (f) => f,
): PriceResult {
  validate(req, name);
  const df = Math.exp(-(req.r ?? 0) * req.T);
  const inverse = req.inverse === true;
  let sigma = req.sigma;
  if (sigma === undefined) {
    const premium = req.price!;
    if (!Number.isFinite(premium))
      throw new BallastError('NOT_FINITE', 'must be a finite number', name('price'));
    try {
      sigma = impliedVolBlack76(
        req.right,
        inverse ? premium * req.F : premium,
        req.F,
        req.K,
        req.T,
        df,
      );
    } catch (e) {
      if (e instanceof BallastError) throw e.atField(name('price'));
      throw e;
    }
  }
  const base = {
    ...(req.id === undefined ? {} : { id: req.id }),
    right: req.right,
    F: req.F,
    K: req.K,
    T: req.T,
    sigma,
    impliedFromPrice: req.sigma === undefined,
  };
  if (!inverse) {
    const g = black76Greeks(req.right, req.F, req.K, req.T, sigma, df);
    return {
      ...base,
      priceUsd: g.price,
      delta: g.delta,
      forwardDelta: g.forwardDelta,
      gamma: g.gamma,
      vegaPerPoint: g.vega / 100,
      thetaPerDay: g.thetaPerDay,
    };
  }
  const c = inverseOptionGreeks(req.right, req.F, req.K, req.T, sigma, df);
  return {
    ...base,
    priceUsd: c.priceUsd,
    priceCoin: c.priceCoin,
    delta: c.coinDelta,
    forwardDelta: c.forwardDeltaUsd,
    gamma: c.coinGamma,
    vegaPerPoint: c.vegaCoin / 100,
    thetaPerDay: c.thetaCoin / 365,
  };
}

/** Parses and prices one JSON line; errors name the line number. */
export function priceJsonLine(line: string, lineNo: number): PriceResult {
  const req = checkSchema<PriceRequest>(
    PriceRequestSchema,
    parseJson(line, `line ${lineNo}`),
    `line ${lineNo}`,
  );
  return runPriceRequest(req, (f) => `line ${lineNo}.${f}`);
}

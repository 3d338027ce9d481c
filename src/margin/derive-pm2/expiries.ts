/**
 * Per-expiry preprocessing of PMRM_2 (methodology spec `docs/methodology/derive-pm2.md`, §5.1–§5.4): options
 * grouped by expiry in order of first appearance, year fraction, floored rate and discount
 * factor, forward split, and each option's SVI vol.
 */
import { BallastError } from '../../core/errors.ts';
import type { DerivePm2ExpiryFeed, DerivePm2Input } from './input.ts';
import { shockedForward, splitForward, type ForwardSplit } from './forward.ts';
import { pm2OptionPrice } from './option-price.ts';
import { sviOptionVol } from './svi-vol.ts';

/** Seconds in the engine's year (365 days, no leap years, §2). */
export const SECONDS_PER_YEAR = 31_536_000;

/** One expiry of the account, ready for valuation. Arrays are per option of the expiry. */
export interface Pm2Expiry {
  /** The grouping key: `Expiry` seconds as given (may be ≤ 0). */
  readonly expiry: number;
  /** sec = max(expiry, 0), seconds (§5.1). */
  readonly seconds: number;
  /** T = sec / 31,536,000, years. */
  readonly T: number;
  /** r = max(Rate, 0) (§5.2). */
  readonly rate: number;
  /** df = exp(−r·T). */
  readonly df: number;
  /** The feed of this expiry. */
  readonly feed: DerivePm2ExpiryFeed;
  /** Forward split (§5.4). */
  readonly forward: ForwardSplit;
  /** Indices of the expiry's options in `portfolio.options` (listing order). */
  readonly optionIndices: readonly number[];
  readonly strikes: Float64Array;
  readonly isCall: readonly boolean[];
  readonly amounts: Float64Array;
  /** SVI vols σ_i (§5.3). */
  readonly vols: Float64Array;
}

/**
 * Groups the portfolio's options by `expiry` (order of first appearance, §5.1) and
 * precomputes each expiry (§5.2–§5.4). Throws MISSING_FORWARD naming the option if no feed
 * has its expiry, and INVALID_INPUT if two feeds share an expiry.
 */
export function buildExpiries(input: DerivePm2Input): Pm2Expiry[] {
  const feeds = new Map<number, DerivePm2ExpiryFeed>();
  input.market.feeds.forEach((f, i) => {
    if (feeds.has(f.expiry)) {
      throw new BallastError(
        'INVALID_INPUT',
        `two feeds for expiry ${f.expiry} s`,
        `market.feeds[${i}].expiry`,
      );
    }
    feeds.set(f.expiry, f);
  });
  const groups = new Map<number, number[]>();
  input.portfolio.options.forEach((o, i) => {
    const g = groups.get(o.expiry);
    if (g) g.push(i);
    else groups.set(o.expiry, [i]);
  });
  const out: Pm2Expiry[] = [];
  for (const [expiry, idx] of groups) {
    const feed = feeds.get(expiry);
    if (!feed) {
      throw new BallastError(
        'MISSING_FORWARD',
        `no option feed for expiry ${expiry} s`,
        `portfolio.options[${idx[0]!}].expiry`,
      );
    }
    const seconds = Math.max(expiry, 0);
    const T = seconds / SECONDS_PER_YEAR;
    const rate = Math.max(feed.rate, 0);
    const options = idx.map((i) => input.portfolio.options[i]!);
    out.push({
      expiry,
      seconds,
      T,
      rate,
      df: Math.exp(-rate * T),
      feed,
      forward: splitForward(feed.forward, seconds),
      optionIndices: idx,
      strikes: Float64Array.from(options, (o) => o.strike),
      isCall: options.map((o) => o.isCall),
      amounts: Float64Array.from(options, (o) => o.amount),
      vols: Float64Array.from(options, (o, j) =>
        sviOptionVol(feed.svi, o.strike, `portfolio.options[${idx[j]!}]`),
      ),
    });
  }
  return out;
}

/**
 * Value of each of the expiry's option positions (Amount × price, USD) at spot multiplier
 * `s` (forward F(s), §5.4) with vols `vols` (§7.1, §8.2). Time, df and strikes unchanged.
 */
export function optionValuesAt(e: Pm2Expiry, s: number, vols: ArrayLike<number>): Float64Array {
  const F = shockedForward(e.forward, s);
  const out = new Float64Array(e.amounts.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = e.amounts[i]! * pm2OptionPrice(e.isCall[i]!, F, e.strikes[i]!, e.T, vols[i]!, e.df);
  }
  return out;
}

/** Sum of a vector (the value of a whole expiry from its per-option values). */
export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

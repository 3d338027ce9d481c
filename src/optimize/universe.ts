/**
 * The universe of candidate instruments a hedge may trade, each with a bid, an ask, a mark
 * and a fee.
 *
 * Prices are per coin of size in the instrument's price convention: USD for futures,
 * perpetuals and linear (USDC) options, coin for inverse options. `usdPerPriceUnit` converts
 * them to USD (the index for inverse options, 1 otherwise).
 *
 * Trading cost of a trade, in USD per coin, is measured against the mark:
 * buy `(ask − mark + fee)·u`, sell `(mark − bid + fee)·u`. The mark is clamped into
 * [bid, ask], so no trade ever has a negative cost (a quote through our mark is not free money).
 *
 * Sources:
 * - `universeFromJson`: a `ballast.universe/1` file (see `UNIVERSE_FORMAT` and the example in
 *   examples/universe.json). Missing bid/ask are priced like `listed`; missing fees use the
 *   Deribit taker schedule below.
 * - `listedUniverse`: built from the snapshot: the perpetual, every future on a forward
 *   expiry at least `minDays` out, and calls and puts near the money on each fitted expiry at
 *   least `minDays` out. Strikes are the venue's listed ones when `symbols` is given (e.g. from
 *   the raw book summary), else generated on a grid: step = 1, 2 or 5 × 10^k nearest (in
 *   log) to `strikeStepFraction·F`, strikes in [F·moneyness[0], F·moneyness[1]]. Each is
 *   priced at the surface mark ± a half-spread: options `max(tick, optionHalfSpread·mark)`
 *   (tick 0.0001 coin; options worth less than two ticks are left out), futures and perpetuals
 *   `futureHalfSpreadBp` basis points of the mark.
 * - Fees (Deribit taker schedule, 2024): options 0.03 % of the underlying (0.0003 coin per
 *   coin) capped at 12.5 % of the option price; futures and perpetuals 0.05 % of notional.
 */
import { BallastError } from '../core/errors.ts';
import { daysBetween } from '../core/time.ts';
import { isOptionLike, type Instrument } from '../instruments/instrument.ts';
import { formatDeribitDate } from '../instruments/deribit-symbol.ts';
import { expiryDate } from '../instruments/expiry.ts';
import { parseSymbol } from '../instruments/symbol.ts';
import { markInstrument } from '../market/marks.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';

/** Format tag of universe files. */
export const UNIVERSE_FORMAT = 'ballast.universe/1';

/** One tradeable instrument with its quotes (see module doc for units). */
export interface Candidate {
  readonly instrument: Instrument;
  /** Fair price per coin (price convention), clamped into [bid, ask]. */
  readonly mark: number;
  readonly bid: number;
  readonly ask: number;
  /** Fee per coin traded, price convention. */
  readonly fee: number;
  /** USD per unit of the price convention (index for inverse options, 1 otherwise). */
  readonly usdPerPriceUnit: number;
  /** Largest |trade| in coins, if the universe limits it. */
  readonly maxSize?: number;
}

/** A named set of candidates (symbols unique). */
export interface Universe {
  readonly source: string;
  readonly candidates: readonly Candidate[];
}

/** Pricing and selection options of `listedUniverse` (and of candidates priced like it). */
export interface ListedUniverseOptions {
  /** Expiries (options and futures) at least this many days out (default 7). */
  readonly minDays?: number;
  /** Strike range as multiples of the expiry's forward (default [0.8, 1.25]). */
  readonly moneyness?: readonly [number, number];
  /** Generated strike step ≈ this fraction of the forward, snapped to 1/2/5 × 10^k (default 0.04). */
  readonly strikeStepFraction?: number;
  /** Option half-spread as a fraction of the mark (default 0.025). */
  readonly optionHalfSpread?: number;
  /** Option tick in coin (default 0.0001). */
  readonly optionTick?: number;
  /** Future/perpetual half-spread in basis points of the mark (default 0.5). */
  readonly futureHalfSpreadBp?: number;
  /** Listed symbols to choose from instead of generated strikes (e.g. the raw book's). */
  readonly symbols?: readonly string[];
  /** Underlyings to include (default: every underlying of the snapshot). */
  readonly underlyings?: readonly string[];
}

const DEFAULTS = {
  minDays: 7,
  moneyness: [0.8, 1.25] as const,
  strikeStepFraction: 0.04,
  optionHalfSpread: 0.025,
  optionTick: 0.0001,
  futureHalfSpreadBp: 0.5,
};

/**
 * Deribit taker fee per coin in the price convention (see module doc): options 0.0003 coin
 * (× `indexUsd` for linear options, priced in USD) capped at 12.5 % of the price; futures and
 * perpetuals 0.05 % of the price.
 */
export function deribitTakerFee(inst: Instrument, price: number, indexUsd: number): number {
  if (isOptionLike(inst))
    return Math.min(inst.settlement === 'inverse' ? 0.0003 : 0.0003 * indexUsd, 0.125 * price);
  return 0.0005 * price;
}

/** USD per unit of `inst`'s price convention in `snapshot`. */
export function usdPerPriceUnit(inst: Instrument, snapshot: MarketSnapshot): number {
  if (isOptionLike(inst) && inst.settlement === 'inverse') {
    const u = snapshot.underlyings[inst.underlying];
    if (!u)
      throw new BallastError(
        'INVALID_INPUT',
        `the market snapshot has no data for ${inst.underlying}`,
        inst.symbol,
      );
    return u.index;
  }
  return 1;
}

/** Candidate for `inst` priced like `listed`: the mark ± the half-spread, Deribit taker fee. */
export function listedCandidate(
  inst: Instrument,
  snapshot: MarketSnapshot,
  options: ListedUniverseOptions = {},
): Candidate {
  if (inst.kind === 'spot')
    throw new BallastError(
      'UNSUPPORTED',
      'spot is not a hedge candidate (trade the perpetual or a future)',
      inst.symbol,
    );
  const o = { ...DEFAULTS, ...options };
  const mark = markInstrument(inst, snapshot).price;
  const u = usdPerPriceUnit(inst, snapshot);
  const index = snapshot.underlyings[inst.underlying]?.index ?? 0;
  const half = isOptionLike(inst)
    ? Math.max(
        inst.settlement === 'inverse' ? o.optionTick : o.optionTick * index,
        o.optionHalfSpread * mark,
      )
    : (o.futureHalfSpreadBp / 1e4) * mark;
  const fee = deribitTakerFee(inst, mark, index);
  return {
    instrument: inst,
    mark,
    bid: Math.max(0, mark - half),
    ask: mark + half,
    fee,
    usdPerPriceUnit: u,
  };
}

/** 1, 2 or 5 × 10^k nearest to x in log. */
function niceStep(x: number): number {
  const k = Math.floor(Math.log10(x));
  let best = 10 ** k;
  for (const m of [1, 2, 5, 10]) {
    const s = m * 10 ** k;
    if (Math.abs(Math.log(s / x)) < Math.abs(Math.log(best / x))) best = s;
  }
  return best;
}

function deribitDate(ms: number): string | undefined {
  const d = expiryDate(ms);
  return d ? formatDeribitDate(d) : undefined;
}

/** The `listed` universe of the snapshot (see module doc). */
export function listedUniverse(
  snapshot: MarketSnapshot,
  options: ListedUniverseOptions = {},
): Universe {
  const o = { ...DEFAULTS, ...options };
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (inst: Instrument, skipCheap: boolean) => {
    if (seen.has(inst.symbol)) return;
    const c = listedCandidate(inst, snapshot, o);
    if (skipCheap && isOptionLike(inst) && c.mark < 2 * o.optionTick) return;
    seen.add(inst.symbol);
    out.push(c);
  };
  const unds = o.underlyings ?? Object.keys(snapshot.underlyings).sort();
  const listed = o.symbols?.map((s) => {
    try {
      return parseSymbol(s, 'deribit');
    } catch {
      return undefined;
    }
  });
  for (const und of unds) {
    const u = snapshot.underlyings[und];
    if (!u)
      throw new BallastError(
        'INVALID_INPUT',
        `the market snapshot has no data for ${und}`,
        'universe.underlyings',
      );
    const farEnough = (ms: number) => daysBetween(snapshot.asOfMs, ms) >= o.minDays;
    add(parseSymbol(`${und}-PERPETUAL`, 'deribit'), false);
    const futureExpiries = u.forwards.filter((f) => f.source === 'future' && farEnough(f.expiryMs));
    const fittedExpiries = u.surface.filter((s) => farEnough(s.expiryMs));
    if (listed) {
      const fitted = new Set(fittedExpiries.map((s) => s.expiryMs));
      const futures = new Set(futureExpiries.map((f) => f.expiryMs));
      const forwardOf = new Map(u.forwards.map((f) => [f.expiryMs, f.forward]));
      for (const inst of listed) {
        if (!inst || inst.underlying !== und) continue;
        if (inst.kind === 'future' && futures.has(inst.expiryMs)) add(inst, false);
        if (inst.kind === 'option' && fitted.has(inst.expiryMs)) {
          const F = forwardOf.get(inst.expiryMs) ?? u.index;
          if (inst.strike >= F * o.moneyness[0] && inst.strike <= F * o.moneyness[1])
            add(inst, true);
        }
      }
      continue;
    }
    for (const f of futureExpiries) {
      const d = deribitDate(f.expiryMs);
      if (d) add(parseSymbol(`${und}-${d}`, 'deribit'), false);
    }
    for (const s of fittedExpiries) {
      const d = deribitDate(s.expiryMs);
      if (!d) continue;
      const F = s.forward;
      const step = niceStep(o.strikeStepFraction * F);
      for (
        let K = Math.ceil((F * o.moneyness[0]) / step) * step;
        K <= F * o.moneyness[1];
        K += step
      ) {
        for (const r of ['C', 'P']) add(parseSymbol(`${und}-${d}-${K}-${r}`, 'deribit'), true);
      }
    }
  }
  return {
    source: listed ? 'listed (venue symbols)' : 'listed (generated strikes)',
    candidates: out,
  };
}

/** Adds the book's own instruments (priced like `listed`) that the universe lacks; spot is skipped. */
export function withHeldInstruments(
  universe: Universe,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  options: ListedUniverseOptions = {},
): Universe {
  const have = new Set(universe.candidates.map((c) => c.instrument.symbol));
  const extra = portfolio.positions
    .filter((p) => p.instrument.kind !== 'spot' && !have.has(p.instrument.symbol))
    .map((p) => listedCandidate(p.instrument, snapshot, options));
  return extra.length === 0
    ? universe
    : {
        source: `${universe.source} + held instruments`,
        candidates: [...universe.candidates, ...extra],
      };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function num(v: unknown, field: string, check: (x: number) => boolean, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new BallastError(
      'INVALID_INPUT',
      `must be a finite number, got ${JSON.stringify(v)}`,
      field,
    );
  if (!check(v)) throw new BallastError('INVALID_INPUT', `must be ${what}, got ${v}`, field);
  return v;
}

/**
 * Reads a `ballast.universe/1` value (already parsed JSON):
 * `{schema?, venue?, candidates: [{instrument, bid?, ask?, mark?, fee?, maxSize?}]}` with prices
 * per coin in the instrument's price convention. Typed errors name the bad field; a bid above
 * the ask is CROSSED_MARKET.
 */
export function universeFromJson(
  value: unknown,
  source: string,
  snapshot: MarketSnapshot,
  options: ListedUniverseOptions = {},
): Universe {
  if (!isObj(value) || !Array.isArray(value.candidates))
    throw new BallastError(
      'SCHEMA',
      `expected {"schema": "${UNIVERSE_FORMAT}", "candidates": [...]}`,
      source,
    );
  if (value.schema !== undefined && value.schema !== UNIVERSE_FORMAT)
    throw new BallastError(
      'SCHEMA',
      `unknown schema ${JSON.stringify(value.schema)} (expected ${UNIVERSE_FORMAT})`,
      `${source}.schema`,
    );
  const venue = value.venue === undefined ? undefined : value.venue;
  if (venue !== undefined && venue !== 'deribit' && venue !== 'okx' && venue !== 'derive')
    throw new BallastError(
      'SCHEMA',
      `venue must be deribit, okx or derive, got ${JSON.stringify(venue)}`,
      `${source}.venue`,
    );
  const seen = new Set<string>();
  const candidates = value.candidates.map((row: unknown, i: number): Candidate => {
    const f = `${source}.candidates[${i}]`;
    if (!isObj(row) || typeof row.instrument !== 'string')
      throw new BallastError(
        'SCHEMA',
        'expected {"instrument": "<symbol>", "bid": …, "ask": …}',
        f,
      );
    const inst = parseSymbol(row.instrument, venue, `${f}.instrument`);
    if (seen.has(inst.symbol))
      throw new BallastError('INVALID_INPUT', `${inst.symbol} is listed twice`, `${f}.instrument`);
    seen.add(inst.symbol);
    const base = listedCandidate(inst, snapshot, options);
    const bid = row.bid === undefined ? base.bid : num(row.bid, `${f}.bid`, (x) => x >= 0, '≥ 0');
    const ask = row.ask === undefined ? base.ask : num(row.ask, `${f}.ask`, (x) => x > 0, '> 0');
    if (bid > ask) throw new BallastError('CROSSED_MARKET', `bid ${bid} is above ask ${ask}`, f);
    const rawMark =
      row.mark === undefined ? base.mark : num(row.mark, `${f}.mark`, (x) => x >= 0, '≥ 0');
    const fee =
      row.fee === undefined
        ? deribitTakerFee(inst, rawMark, snapshot.underlyings[inst.underlying]?.index ?? 0)
        : num(row.fee, `${f}.fee`, (x) => x >= 0, '≥ 0');
    const maxSize =
      row.maxSize === undefined ? undefined : num(row.maxSize, `${f}.maxSize`, (x) => x > 0, '> 0');
    return {
      instrument: inst,
      bid,
      ask,
      mark: Math.min(Math.max(rawMark, bid), ask),
      fee,
      usdPerPriceUnit: base.usdPerPriceUnit,
      ...(maxSize === undefined ? {} : { maxSize }),
    };
  });
  return { source, candidates };
}

/** USD cost per coin of buying (`side = 1`) or selling (`side = −1`) a candidate against its mark. */
export function costPerCoinUsd(c: Candidate, side: 1 | -1): number {
  const spread = side > 0 ? c.ask - c.mark : c.mark - c.bid;
  return (Math.max(0, spread) + c.fee) * c.usdPerPriceUnit;
}

/**
 * USD cash paid per coin bought (`side = 1`) or received per coin sold (negative), premium and
 * fee included; delta-one products pay only the fee (their spread shows up as P&L at the mark).
 */
export function premiumPerCoinUsd(c: Candidate, side: 1 | -1): number {
  if (!isOptionLike(c.instrument)) return c.fee * c.usdPerPriceUnit;
  return side > 0 ? (c.ask + c.fee) * c.usdPerPriceUnit : -(c.bid - c.fee) * c.usdPerPriceUnit;
}

/** Glob (`*` = any run of characters) to a case-sensitive full-match test. */
export function symbolMatcher(patterns: readonly string[]): (symbol: string) => boolean {
  const res = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return (s) => res.some((r) => r.test(s));
}

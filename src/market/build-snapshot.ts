/**
 * Builds a `MarketSnapshot` from raw quotes: forwards per expiry (futures mids, else
 * put-call parity on option mids), implied vols from option mids, one raw-SVI fit per
 * expiry, butterfly and calendar checks (repaired only when asked), and the perpetual's
 * basis. Every dropped quote and every proxy is reported, never silently ignored.
 */
import { BallastError, isBallastError } from '../core/errors.ts';
import { toIso, toIsoDate, yearFraction } from '../core/time.ts';
import { impliedVolBlack76 } from '../pricing/implied-vol.ts';
import {
  checkCalendar,
  repairButterfly,
  repairCalendar,
  type ButterflyCheck,
} from './arbitrage.ts';
import { forwardFromParity, quoteMid, sortForwards, type ParityPair } from './forwards.ts';
import type { RawMarket, RawOptionQuote } from './raw-market.ts';
import { smoothBasis, type BasisState } from './perp-basis.ts';
import { outsideNoArbitrage, screenQuotes } from './quote-screen.ts';
import { FORWARD_BAND, plausibleForward, validateUnderlyingMarket } from './snapshot-bounds.ts';
import type { ForwardPoint, MarketSnapshot, SurfaceSlice, UnderlyingMarket } from './snapshot.ts';
import { fitSviSlice, type SviQuote } from './svi-fit.ts';
import type { SviParams } from './svi.ts';

/** Options for `buildSnapshot`. */
export interface BuildOptions {
  /** Repair butterfly and calendar arbitrage in the fitted surface (default: report only). */
  readonly repairArbitrage?: boolean;
  /**
   * Fit each slice under the butterfly constraint (g(k) ≥ 0), so fitted slices are free of
   * butterfly arbitrage wherever the quotes allow (default true). With false the plain fit is
   * kept and arbitrage is only reported (or repaired with `repairArbitrage`).
   */
  readonly enforceButterfly?: boolean;
  /** Minimum OTM quotes with a usable mid for an expiry to be fitted (default 5). */
  readonly minQuotes?: number;
  /**
   * The previous snapshot, to smooth the perpetual basis over time (perp-basis.ts): each
   * underlying's basis is the exponential average of its previous basis and the observed
   * perpetual mid − index. Without it the observed basis is taken as is.
   */
  readonly previous?: MarketSnapshot;
  /** Half-life of the basis smoothing, ms (default 30 s). */
  readonly basisHalfLifeMs?: number;
}

/** Default half-life of the perpetual-basis smoothing: 30 seconds. */
export const DEFAULT_BASIS_HALF_LIFE_MS = 30_000;

/** What happened to one expiry's slice: the fit and its arbitrage checks. */
export interface SliceReport {
  readonly expiryMs: number;
  readonly T: number;
  readonly forward: number;
  readonly forwardSource: ForwardPoint['source'];
  readonly quotes: number;
  readonly dropped: number;
  readonly params: SviParams | undefined;
  readonly rmseVolPoints: number | undefined;
  readonly maxAbsErrorVolPoints: number | undefined;
  readonly butterfly: ButterflyCheck | undefined;
  /** True if this slice and the previous one have a calendar-arbitrage violation. */
  readonly calendarViolation: boolean;
  readonly repaired: boolean;
  /** Why the expiry has no slice, if it has none. */
  readonly skipped?: string;
}

/** Result of building one underlying: its market and a per-expiry report. */
export interface BuildResult {
  readonly market: UnderlyingMarket;
  readonly slices: readonly SliceReport[];
  readonly warnings: readonly string[];
}

interface UsableQuote {
  readonly q: RawOptionQuote;
  readonly mid: number;
}

/** The index: the index quote's mid, else the perpetual's (with a warning), else INVALID_INPUT. */
function indexPrice(raw: RawMarket, perpMid: number | undefined, warnings: string[]): number {
  if (raw.index) return quoteMid(raw.index, 'index');
  if (perpMid !== undefined) {
    warnings.push(
      `${raw.underlying}: no index quote in the source; the perpetual mid ${perpMid} is used as index`,
    );
    return perpMid;
  }
  throw new BallastError(
    'INVALID_INPUT',
    'no index and no perpetual quote to take an index from',
    'index',
  );
}

/** Option mids by expiry (crossed markets are errors; one-sided quotes are skipped, with a warning). */
function optionMidsByExpiry(
  underlying: string,
  options: readonly RawOptionQuote[],
  warnings: string[],
): Map<number, UsableQuote[]> {
  const byExpiry = new Map<number, UsableQuote[]>();
  let oneSided = 0;
  for (const q of options) {
    if (q.bid === undefined || q.ask === undefined || q.bid <= 0) {
      oneSided++;
      continue;
    }
    const mid = quoteMid({ bid: q.bid, ask: q.ask }, `options[${q.symbol}]`);
    const list = byExpiry.get(q.expiryMs) ?? [];
    list.push({ q, mid });
    byExpiry.set(q.expiryMs, list);
  }
  if (oneSided > 0)
    warnings.push(`${underlying}: ${oneSided} option quotes without a bid or ask were skipped`);
  return byExpiry;
}

/**
 * Put-call parity forwards for the expiries without a listed future, appended to `forwards`;
 * an implausible one (off the index by more than FORWARD_BAND) drops its expiry from
 * `byExpiry`, with a warning.
 */
function addParityForwards(
  raw: RawMarket,
  index: number,
  rate: number,
  byExpiry: Map<number, UsableQuote[]>,
  forwards: ForwardPoint[],
  warnings: string[],
): void {
  const listed = new Set(forwards.map((f) => f.expiryMs));
  for (const [expiryMs, quotes] of byExpiry) {
    if (listed.has(expiryMs)) continue;
    const T = yearFraction(raw.asOfMs, expiryMs);
    const pairs = parityPairs(quotes);
    const symbol = quotes[0]!.q.symbol;
    const forward = forwardFromParity(
      pairs,
      quotes[0]!.q.premium === 'coin',
      Math.exp(-rate * T),
      `options[${symbol}].forward`,
    );
    if (!plausibleForward(forward, index)) {
      warnings.push(
        `${raw.underlying} ${toIsoDate(expiryMs)}: the put-call-parity forward ${forward} is not within a factor ${FORWARD_BAND} of the index ${index}; expiry skipped`,
      );
      byExpiry.delete(expiryMs);
      continue;
    }
    forwards.push({ expiryMs, forward, source: 'put-call-parity' });
  }
}

/**
 * The SVI quotes of one expiry: OTM mids as Black vols in log-moneyness against the forward
 * (coin premiums × F in USD); mids outside the no-arbitrage bounds (`outsideBounds`) and
 * vols that do not solve are dropped (`dropped` counts both).
 */
function sviQuotesOf(
  quotes: readonly UsableQuote[],
  F: number,
  T: number,
  df: number,
): { svi: SviQuote[]; dropped: number; outsideBounds: number } {
  const svi: SviQuote[] = [];
  let dropped = 0;
  let outsideBounds = 0;
  for (const { q, mid } of quotes) {
    const otm = q.right === 'put' ? q.strike < F : q.strike >= F;
    if (!otm) continue;
    const toUsd = q.premium === 'coin' ? F : 1;
    if (outsideNoArbitrage(q.right, mid * toUsd, F, q.strike, df)) {
      dropped++;
      outsideBounds++;
      continue;
    }
    const vol = safeVol(q, mid * toUsd, F, T, df);
    if (vol === undefined) {
      dropped++;
      continue;
    }
    // The fit weights each quote by its Black vega itself (vega-weighted vol errors).
    svi.push({
      k: Math.log(q.strike / F),
      vol,
      bidVol: safeVol(q, q.bid! * toUsd, F, T, df),
      askVol: safeVol(q, q.ask! * toUsd, F, T, df),
    });
  }
  return { svi, dropped, outsideBounds };
}

/** One expiry fitted (or skipped with too few quotes): its slice, if any, and its report. */
function fitExpiry(
  raw: RawMarket,
  expiryMs: number,
  quotes: readonly UsableQuote[],
  fp: ForwardPoint,
  rate: number,
  options: BuildOptions,
  warnings: string[],
): { slice?: SurfaceSlice; report: SliceReport; outsideBounds: number } {
  const minQuotes = options.minQuotes ?? 5;
  const F = fp.forward;
  const T = yearFraction(raw.asOfMs, expiryMs);
  const { svi, dropped, outsideBounds } = sviQuotesOf(quotes, F, T, Math.exp(-rate * T));
  const base = {
    expiryMs,
    T,
    forward: F,
    forwardSource: fp.source,
    quotes: svi.length,
    calendarViolation: false,
    repaired: false,
  };
  if (svi.length < minQuotes) {
    warnings.push(
      `${raw.underlying} ${toIsoDate(expiryMs)}: not fitted, only ${svi.length} usable quotes`,
    );
    const report: SliceReport = {
      ...base,
      dropped,
      params: undefined,
      rmseVolPoints: undefined,
      maxAbsErrorVolPoints: undefined,
      butterfly: undefined,
      skipped: `only ${svi.length} usable OTM quotes (need ${minQuotes})`,
    };
    return { report, outsideBounds };
  }
  const fit = fitSviSlice(svi, T, { enforceButterfly: options.enforceButterfly ?? true });
  let params = fit.params;
  let repaired = false;
  if (!fit.butterfly.arbitrageFree && options.repairArbitrage) {
    params = repairButterfly(params, svi, T);
    repaired = true;
  }
  return {
    slice: { expiryMs, T, forward: F, params, rmseVolPoints: fit.rmseVolPoints },
    report: {
      ...base,
      dropped: dropped + fit.dropped.length,
      params,
      rmseVolPoints: fit.rmseVolPoints,
      maxAbsErrorVolPoints: fit.maxAbsErrorVolPoints,
      butterfly: fit.butterfly,
      repaired,
    },
    outsideBounds,
  };
}

/**
 * Calendar arbitrage across fitted slices: reports of the later slice of each violating pair
 * are flagged, and with `repairArbitrage` the slices are repaired (`repairCalendar`); the
 * reports carry the final parameters.
 */
function calendarChecked(
  slices: readonly SurfaceSlice[],
  reports: readonly SliceReport[],
  repair: boolean | undefined,
): { surface: SurfaceSlice[]; reports: SliceReport[] } {
  let surface: SurfaceSlice[] = [...slices];
  const calendar = checkCalendar(slices.map((s) => ({ T: s.T, params: s.params })));
  const badT = new Set(calendar.violations.map((v) => v.T2));
  if (!calendar.arbitrageFree && repair) {
    const fixed = repairCalendar(slices.map((s) => ({ T: s.T, params: s.params })));
    surface = slices.map((s, i) => ({ ...s, params: fixed[i]!.params }));
  }
  const finalParams = new Map(surface.map((s) => [s.expiryMs, s.params]));
  return {
    surface,
    reports: reports
      .map((r) =>
        badT.has(r.T) ? { ...r, calendarViolation: true, repaired: r.repaired || !!repair } : r,
      )
      .map((r) => (r.params ? { ...r, params: finalParams.get(r.expiryMs) } : r)),
  };
}

/** Builds one underlying's market from raw quotes (see module doc). */
export function buildUnderlyingMarket(raw: RawMarket, options: BuildOptions = {}): BuildResult {
  const warnings: string[] = [];
  const rate = raw.rate ?? 0;
  const perpMid = raw.perpetual
    ? quoteMid(raw.perpetual, `perpetual[${raw.perpetual.symbol}]`)
    : undefined;
  const index = indexPrice(raw, perpMid, warnings);
  const screened = screenQuotes(raw.underlying, raw.asOfMs, index, raw.futures, raw.options);
  warnings.push(...screened.warnings);
  const forwards: ForwardPoint[] = screened.futures.map((f) => ({
    expiryMs: f.expiryMs,
    forward: quoteMid(f, `futures[${f.symbol}]`),
    source: 'future' as const,
  }));
  const byExpiry = optionMidsByExpiry(raw.underlying, screened.options, warnings);
  addParityForwards(raw, index, rate, byExpiry, forwards, warnings);
  const sortedForwards = sortForwards(forwards);
  const forwardByExpiry = new Map(sortedForwards.map((f) => [f.expiryMs, f]));

  let outsideBounds = 0;
  const slices: SurfaceSlice[] = [];
  const reports: SliceReport[] = [];
  for (const expiryMs of [...byExpiry.keys()].sort((a, b) => a - b)) {
    const fp = forwardByExpiry.get(expiryMs)!;
    const r = fitExpiry(raw, expiryMs, byExpiry.get(expiryMs)!, fp, rate, options, warnings);
    outsideBounds += r.outsideBounds;
    if (r.slice) slices.push(r.slice);
    reports.push(r.report);
  }
  if (outsideBounds > 0)
    warnings.push(
      `${raw.underlying}: ${outsideBounds} option mids outside the no-arbitrage bounds (above the forward or strike, or below intrinsic) were dropped`,
    );
  const checked = calendarChecked(slices, reports, options.repairArbitrage);
  const market: UnderlyingMarket = {
    underlying: raw.underlying,
    index,
    rate,
    forwards: sortedForwards,
    surface: checked.surface,
    perpBasis:
      perpMid === undefined
        ? 0
        : smoothBasis(
            perpMid - index,
            raw.asOfMs,
            previousBasis(options.previous, raw.underlying),
            options.basisHalfLifeMs ?? DEFAULT_BASIS_HALF_LIFE_MS,
          ),
  };
  validateUnderlyingMarket(market, `markets.${raw.underlying}`);
  return { market, slices: checked.reports, warnings };
}

/**
 * Builds a full snapshot from one raw market per underlying, all as of the same instant
 * (INVALID_INPUT naming `markets[i].asOfMs` otherwise: one snapshot has one as-of time).
 */
export function buildSnapshot(
  raws: readonly RawMarket[],
  options: BuildOptions = {},
): { snapshot: MarketSnapshot; slices: Record<string, readonly SliceReport[]> } {
  if (raws.length === 0) throw new BallastError('INVALID_INPUT', 'no market data', 'markets');
  const asOfMs = raws[0]!.asOfMs;
  raws.forEach((raw, i) => {
    if (raw.asOfMs !== asOfMs) {
      throw new BallastError(
        'INVALID_INPUT',
        `${raw.underlying} is as of ${toIso(raw.asOfMs)}, ${raws[0]!.underlying} as of ${toIso(asOfMs)}: one snapshot has one as-of time`,
        `markets[${i}].asOfMs`,
      );
    }
  });
  const underlyings: Record<string, UnderlyingMarket> = {};
  const slices: Record<string, readonly SliceReport[]> = {};
  const warnings: string[] = [];
  for (const raw of raws) {
    const r = buildUnderlyingMarket(raw, options);
    underlyings[raw.underlying] = r.market;
    slices[raw.underlying] = r.slices;
    warnings.push(...r.warnings);
  }
  return { snapshot: { asOfMs, underlyings, warnings }, slices };
}

function previousBasis(
  previous: MarketSnapshot | undefined,
  underlying: string,
): BasisState | undefined {
  const u = previous?.underlyings[underlying];
  return u && previous ? { basis: u.perpBasis, asOfMs: previous.asOfMs } : undefined;
}

function parityPairs(quotes: readonly UsableQuote[]): ParityPair[] {
  const calls = new Map<number, number>();
  const puts = new Map<number, number>();
  for (const { q, mid } of quotes) (q.right === 'call' ? calls : puts).set(q.strike, mid);
  const pairs: ParityPair[] = [];
  for (const [strike, callMid] of calls) {
    const putMid = puts.get(strike);
    if (putMid !== undefined) pairs.push({ strike, callMid, putMid });
  }
  return pairs;
}

/** Implied vol of a quote's USD premium, or `undefined` when there is none > 0 (below intrinsic, at a bound, ...). */
function safeVol(
  q: RawOptionQuote,
  priceUsd: number,
  F: number,
  T: number,
  df: number,
): number | undefined {
  try {
    const v = impliedVolBlack76(q.right, priceUsd, F, q.strike, T, df);
    return v > 0 ? v : undefined;
  } catch (e) {
    if (isBallastError(e)) return undefined;
    throw e;
  }
}

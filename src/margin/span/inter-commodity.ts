/**
 * SPAN inter-commodity spread credit (docs/methodology/span-tims.md §1.5; mechanics standard
 * SPAN, [I]): spreads are formed from the net composite deltas of related combined
 * commodities at the pair's delta ratio, and each leg's commodity gets
 *
 *     credit = spreads × deltaRatio × creditRate × WFPR
 *
 * where the weighted futures price risk WFPR = price risk / |net composite delta| (§1.3).
 *
 * Crypto convention (ours): deltas are in USD (coins × index), so a ratio of 1:1 pairs $1 of
 * BTC delta with $1 of ETH delta, and WFPR is USD of price risk per USD of delta. Legs must
 * have opposite signs (positively correlated underlyings). Pairs are processed in list order;
 * each uses the deltas the earlier pairs left. A negative price risk gives no credit.
 */
import { BallastError } from '../../core/errors.ts';

/** One leg of an inter-commodity spread. */
export interface SpanInterLeg {
  readonly commodity: string;
  /** USD of net delta per spread for this leg (> 0). */
  readonly deltaRatio: number;
}

/** An inter-commodity spread of the parameter file, in priority order. */
export interface SpanInterCommoditySpread {
  readonly id: string;
  readonly legs: readonly [SpanInterLeg, SpanInterLeg];
  /** Fraction of each leg's weighted price risk credited per spread, in [0, 1]. */
  readonly creditRate: number;
}

/** What the credit step needs to know of a combined commodity. */
export interface CommodityDeltaRisk {
  /** Net composite delta in USD (coins × index). */
  readonly netDeltaUsd: number;
  /** Price risk of the scan (scan − time − volatility risk), USD. */
  readonly priceRisk: number;
}

/** Spreads formed and the credits they gave. */
export interface InterCommodityCredits {
  /** Credit per commodity, USD (≥ 0). */
  readonly credits: Record<string, number>;
  readonly spreads: {
    readonly id: string;
    readonly spreads: number;
    readonly credits: Record<string, number>;
  }[];
  /** WFPR per commodity (USD of price risk per USD of delta; 0 without delta). */
  readonly wfpr: Record<string, number>;
}

/** Validates the spread list (typed errors naming `field`). */
export function validateInterCommodity(
  list: readonly SpanInterCommoditySpread[],
  commodities: readonly string[],
  field: string,
): void {
  list.forEach((s, i) => {
    const f = `${field}[${i}]`;
    if (!(Number.isFinite(s.creditRate) && s.creditRate >= 0 && s.creditRate <= 1))
      throw new BallastError(
        'INVALID_INPUT',
        `must be in [0, 1], got ${s.creditRate}`,
        `${f}.creditRate`,
      );
    if (!Array.isArray(s.legs) || s.legs.length !== 2)
      throw new BallastError('INVALID_INPUT', 'a spread has exactly two legs', `${f}.legs`);
    if (s.legs[0].commodity === s.legs[1].commodity)
      throw new BallastError(
        'INVALID_INPUT',
        'the two legs must be different commodities',
        `${f}.legs`,
      );
    s.legs.forEach((l, j) => {
      if (!commodities.includes(l.commodity))
        throw new BallastError(
          'INVALID_INPUT',
          `unknown combined commodity ${l.commodity}`,
          `${f}.legs[${j}].commodity`,
        );
      if (!(Number.isFinite(l.deltaRatio) && l.deltaRatio > 0))
        throw new BallastError(
          'INVALID_INPUT',
          `must be finite and > 0, got ${l.deltaRatio}`,
          `${f}.legs[${j}].deltaRatio`,
        );
    });
  });
}

/** The inter-commodity credits (module doc) of the commodities in `risks`. */
export function interCommodityCredits(
  risks: Readonly<Record<string, CommodityDeltaRisk>>,
  list: readonly SpanInterCommoditySpread[],
): InterCommodityCredits {
  const credits: Record<string, number> = {};
  const wfpr: Record<string, number> = {};
  const left: Record<string, number> = {};
  for (const [c, r] of Object.entries(risks)) {
    credits[c] = 0;
    left[c] = r.netDeltaUsd;
    wfpr[c] = r.netDeltaUsd !== 0 ? Math.max(0, r.priceRisk) / Math.abs(r.netDeltaUsd) : 0;
  }
  const spreads = list.map((s) => {
    const [a, b] = s.legs;
    const da = left[a.commodity];
    const db = left[b.commodity];
    if (da === undefined || db === undefined || !(da * db < 0))
      return { id: s.id, spreads: 0, credits: {} };
    const n = Math.min(Math.abs(da) / a.deltaRatio, Math.abs(db) / b.deltaRatio);
    left[a.commodity] = da - Math.sign(da) * n * a.deltaRatio;
    left[b.commodity] = db - Math.sign(db) * n * b.deltaRatio;
    const ca = n * a.deltaRatio * s.creditRate * wfpr[a.commodity]!;
    const cb = n * b.deltaRatio * s.creditRate * wfpr[b.commodity]!;
    credits[a.commodity] = credits[a.commodity]! + ca;
    credits[b.commodity] = credits[b.commodity]! + cb;
    return { id: s.id, spreads: n, credits: { [a.commodity]: ca, [b.commodity]: cb } };
  });
  return { credits, spreads, wfpr };
}

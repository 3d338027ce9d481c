/**
 * SPAN intra-commodity (calendar / tier) spread charge (docs/methodology/span-tims.md §1.5;
 * "assign composite deltas to tiers, form spreads between opposite-signed tier deltas in the
 * file's priority order, charge = Σ spreads formed × rate"; the tier/priority mechanics are
 * standard SPAN, [I]).
 *
 * The scan moves every contract month of a combined commodity by the same PSR, so a calendar
 * spread looks almost riskless to it; this charge covers the basis between months.
 *
 * Steps, on net composite deltas per contract month (coins; undated spot and perpetuals are
 * one "month" at 0 days):
 * 1. each month goes to the tier whose [fromDays, toDays) holds its days to expiry;
 * 2. intra-tier: within each tier, spreads = min(Σ long month deltas, Σ |short month deltas|),
 *    charged at the tier's `intraTierRate`; the tier keeps its net delta;
 * 3. inter-tier: for each tier pair in priority order, spreads = min(|net A|, |net B|) when the
 *    nets have opposite signs, charged at the pair's `rate`; both nets shrink by the spreads;
 * 4. residual: opposite-signed tier nets left after the priority list (pairs the file does not
 *    list) are spread at `residualSpreadRate` (ours: fail closed instead of no charge).
 *
 * Rates are fractions of the combined commodity's index per coin of spread (NSE-style
 * "% of notional", our crypto convention), so charges are USD.
 */
import { BallastError } from '../../core/errors.ts';

/** A tier of contract months: days to expiry in [fromDays, toDays) (`toDays` null = open). */
export interface SpanTier {
  readonly id: string;
  readonly fromDays: number;
  readonly toDays: number | null;
  /** Charge per coin of spread between months inside the tier, fraction of the index. */
  readonly intraTierRate: number;
}

/** A tier-pair spread of the priority list. */
export interface SpanTierSpread {
  readonly tiers: readonly [string, string];
  /** Charge per coin of spread, fraction of the index. */
  readonly rate: number;
}

/** Intra-commodity spread parameters of one combined commodity. */
export interface IntraCommodityParams {
  readonly tiers: readonly SpanTier[];
  /** Tier-pair spreads in priority order. */
  readonly tierSpreads: readonly SpanTierSpread[];
  /** Rate for opposite-signed tier deltas the priority list leaves (fraction of the index). */
  readonly residualSpreadRate: number;
}

/** Net composite delta of one contract month (coins). */
export interface MonthDelta {
  /** Month key, e.g. the expiry ISO date or `undated`. */
  readonly month: string;
  readonly dteDays: number;
  readonly delta: number;
}

/** The charge and how it was formed (all amounts USD, spreads in coins). */
export interface IntraCommodityCharge {
  readonly charge: number;
  readonly monthTiers: { readonly month: string; readonly tier: string; readonly delta: number }[];
  readonly intraTier: {
    readonly tier: string;
    readonly spreads: number;
    readonly charge: number;
  }[];
  readonly tierSpreads: {
    readonly tiers: readonly [string, string];
    readonly spreads: number;
    readonly charge: number;
  }[];
  readonly residual: { readonly spreads: number; readonly charge: number };
  /** Tier nets before step 3. */
  readonly tierDeltas: Record<string, number>;
}

/** Validates intra-commodity parameters (typed errors naming `field`). */
export function validateIntraCommodity(p: IntraCommodityParams, field: string): void {
  if (!Array.isArray(p.tiers) || p.tiers.length === 0)
    throw new BallastError('INVALID_INPUT', 'at least one tier is needed', `${field}.tiers`);
  const ids = new Set<string>();
  p.tiers.forEach((t, i) => {
    const f = `${field}.tiers[${i}]`;
    if (ids.has(t.id))
      throw new BallastError('INVALID_INPUT', `tier id ${t.id} appears twice`, `${f}.id`);
    ids.add(t.id);
    if (!(Number.isFinite(t.fromDays) && t.fromDays >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and >= 0, got ${t.fromDays}`,
        `${f}.fromDays`,
      );
    if (t.toDays !== null && !(Number.isFinite(t.toDays) && t.toDays > t.fromDays))
      throw new BallastError(
        'INVALID_INPUT',
        `must be null or > fromDays, got ${t.toDays}`,
        `${f}.toDays`,
      );
    if (!(Number.isFinite(t.intraTierRate) && t.intraTierRate >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and >= 0, got ${t.intraTierRate}`,
        `${f}.intraTierRate`,
      );
  });
  p.tierSpreads.forEach((s, i) => {
    const f = `${field}.tierSpreads[${i}]`;
    if (!Array.isArray(s.tiers) || s.tiers.length !== 2)
      throw new BallastError(
        'INVALID_INPUT',
        'a tier spread names exactly two tiers',
        `${f}.tiers`,
      );
    for (const t of s.tiers)
      if (!ids.has(t)) throw new BallastError('INVALID_INPUT', `unknown tier ${t}`, `${f}.tiers`);
    if (s.tiers[0] === s.tiers[1])
      throw new BallastError(
        'INVALID_INPUT',
        'a tier spread needs two different tiers',
        `${f}.tiers`,
      );
    if (!(Number.isFinite(s.rate) && s.rate >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and >= 0, got ${s.rate}`,
        `${f}.rate`,
      );
  });
  if (!(Number.isFinite(p.residualSpreadRate) && p.residualSpreadRate >= 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and >= 0, got ${p.residualSpreadRate}`,
      `${field}.residualSpreadRate`,
    );
}

/** The tier holding `dteDays` (first match); INVALID_INPUT naming `field` if none does. */
export function tierOf(dteDays: number, tiers: readonly SpanTier[], field: string): SpanTier {
  const d = Math.max(0, dteDays);
  const t = tiers.find((x) => d >= x.fromDays && (x.toDays === null || d < x.toDays));
  if (!t)
    throw new BallastError(
      'INVALID_INPUT',
      `no tier covers ${dteDays.toFixed(2)} days to expiry`,
      field,
    );
  return t;
}

/** The intra-commodity spread charge (module doc) of month deltas at index `index` (USD). */
export function intraCommoditySpreadCharge(
  months: readonly MonthDelta[],
  p: IntraCommodityParams,
  index: number,
  field = 'tiers',
): IntraCommodityCharge {
  const long = new Map<string, number>();
  const short = new Map<string, number>();
  for (const t of p.tiers) {
    long.set(t.id, 0);
    short.set(t.id, 0);
  }
  const monthTiers = months.map((m) => {
    const t = tierOf(m.dteDays, p.tiers, `${field} (${m.month})`);
    if (m.delta > 0) long.set(t.id, long.get(t.id)! + m.delta);
    else if (m.delta < 0) short.set(t.id, short.get(t.id)! - m.delta);
    return { month: m.month, tier: t.id, delta: m.delta };
  });
  let charge = 0;
  const net = new Map<string, number>();
  const intraTier = p.tiers.map((t) => {
    const L = long.get(t.id)!;
    const S = short.get(t.id)!;
    const spreads = Math.min(L, S);
    net.set(t.id, L - S);
    const c = spreads * t.intraTierRate * index;
    charge += c;
    return { tier: t.id, spreads, charge: c };
  });
  const tierDeltas = Object.fromEntries(net);
  const tierSpreads = p.tierSpreads.map((s) => {
    const a = net.get(s.tiers[0])!;
    const b = net.get(s.tiers[1])!;
    const spreads = a * b < 0 ? Math.min(Math.abs(a), Math.abs(b)) : 0;
    net.set(s.tiers[0], a - Math.sign(a) * spreads);
    net.set(s.tiers[1], b - Math.sign(b) * spreads);
    const c = spreads * s.rate * index;
    charge += c;
    return { tiers: s.tiers, spreads, charge: c };
  });
  let L = 0;
  let S = 0;
  for (const v of net.values()) {
    if (v > 0) L += v;
    else S -= v;
  }
  const rs = Math.min(L, S);
  const residual = { spreads: rs, charge: rs * p.residualSpreadRate * index };
  charge += residual.charge;
  return { charge, monthTiers, intraTier, tierSpreads, residual, tierDeltas };
}

/**
 * One-run overrides of a market snapshot (`--index`, `--mark`, `--vol` on every command that
 * takes `--market`). Applied in this order, each on the result of the previous ones:
 *
 * 1. `--index UNDERLYING=PRICE` (USD per coin): the index becomes PRICE; the perpetual keeps
 *    its basis in USD (perp mark = PRICE + perpBasis, so a perp's equity moves by
 *    size × Δindex); every dated forward and every slice's forward are scaled by PRICE / old
 *    index (carry kept); the smile keeps its shape in log-moneyness ln(K/F) (sticky moneyness).
 * 2. `--mark SYMBOL=PRICE` for a perpetual or dated future (USD): a perpetual sets the basis,
 *    perpBasis = PRICE − index; a dated future sets the forward of its expiry (source
 *    `input`; the slice of that expiry, if any, is measured against it).
 * 3. `--mark SYMBOL=PRICE` for a vanilla option (coin for an inverse option, USD for a linear
 *    one, as `markInstrument` quotes it) and `--vol SYMBOL=VOL` (decimal, 0.6 = 60 %): the
 *    implied vol solved from the mark (Black-76 on the snapshot's forward, inverse options on
 *    price × F) or the given vol is made the vol of that strike and expiry by a parallel shift
 *    of the expiry's SVI slice in total variance: a += (σ² − σ₀²)·T. The option then marks
 *    at exactly the given price (or the Black-76 price at the given vol); the other strikes
 *    of that expiry move by the same variance. One option override per expiry.
 *
 * Every value must be finite and > 0, every symbol known to the snapshot; the result is
 * checked by `validateSnapshot` (forwards within the band of the index, non-negative
 * variance). Errors are BallastErrors naming the flag.
 */
import { BallastError } from '../core/errors.ts';
import { yearFraction } from '../core/time.ts';
import type { VanillaOption } from '../instruments/instrument.ts';
import { parseSymbol } from '../instruments/symbol.ts';
import { impliedVolBlack76, impliedVolInverse } from '../pricing/implied-vol.ts';
import { sortForwards } from './forwards.ts';
import { surfaceVol, underlyingMarket } from './marks.ts';
import { sviMinTotalVariance, validateSnapshot } from './snapshot-bounds.ts';
import type { MarketSnapshot, UnderlyingMarket } from './snapshot.ts';

/** The override flags. */
export type OverrideFlag = '--index' | '--mark' | '--vol';

/** One parsed `KEY=VALUE` override. */
export interface MarketOverride {
  readonly flag: OverrideFlag;
  readonly key: string;
  readonly value: number;
}

/** Largest `--vol` accepted (decimal; 5 = 500 %), so `--vol X=60` for 60 % is refused. */
export const MAX_OVERRIDE_VOL = 5;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** Parses `KEY=VALUE` with VALUE finite and > 0 (and ≤ `MAX_OVERRIDE_VOL` for `--vol`). */
export function parseOverride(flag: OverrideFlag, text: string): MarketOverride {
  const eq = text.indexOf('=');
  const what =
    flag === '--index' ? 'UNDERLYING=PRICE' : flag === '--vol' ? 'SYMBOL=VOL' : 'SYMBOL=PRICE';
  const key = eq > 0 ? text.slice(0, eq).trim() : '';
  const raw = eq > 0 ? text.slice(eq + 1).trim() : '';
  if (key === '' || !NUMBER.test(raw))
    throw new BallastError('INVALID_INPUT', `expected ${what}, got "${text}"`, flag);
  const value = Number(raw);
  if (!Number.isFinite(value) || !(value > 0))
    throw new BallastError('INVALID_INPUT', `${key}: must be finite and > 0, got ${raw}`, flag);
  if (flag === '--vol' && value > MAX_OVERRIDE_VOL)
    throw new BallastError(
      'INVALID_INPUT',
      `${key}: vol ${raw} is above ${MAX_OVERRIDE_VOL}; give it as a decimal (0.6 for 60 %)`,
      flag,
    );
  return { flag, key, value };
}

function withUnderlying(s: MarketSnapshot, u: UnderlyingMarket): MarketSnapshot {
  return { ...s, underlyings: { ...s.underlyings, [u.underlying]: u } };
}

function knownUnderlying(s: MarketSnapshot, key: string, flag: OverrideFlag): UnderlyingMarket {
  const u = s.underlyings[key];
  if (u === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      `${key} is not in the snapshot (it has ${Object.keys(s.underlyings).join(', ')})`,
      flag,
    );
  return u;
}

/** `--index`: see the module doc (perp basis kept in USD, forwards scaled). */
function overrideIndex(s: MarketSnapshot, o: MarketOverride): [MarketSnapshot, string] {
  const u = knownUnderlying(s, o.key, o.flag);
  const r = o.value / u.index;
  const next: UnderlyingMarket = {
    ...u,
    index: o.value,
    forwards: u.forwards.map((f) => ({ ...f, forward: f.forward * r })),
    surface: u.surface.map((sl) => ({ ...sl, forward: sl.forward * r })),
  };
  return [withUnderlying(s, next), `--index ${o.key}=${o.value}: index ${u.index} → ${o.value}`];
}

/** `--mark` on a perpetual or dated future: the basis or the expiry's forward. */
function overrideLinearMark(
  s: MarketSnapshot,
  o: MarketOverride,
  inst: { kind: 'perpetual' } | { kind: 'future'; expiryMs: number },
  u: UnderlyingMarket,
): [MarketSnapshot, string] {
  if (inst.kind === 'perpetual') {
    const next = { ...u, perpBasis: o.value - u.index };
    return [
      withUnderlying(s, next),
      `--mark ${o.key}=${o.value}: perp basis ${u.perpBasis} → ${next.perpBasis}`,
    ];
  }
  if (!(inst.expiryMs > s.asOfMs))
    throw new BallastError('EXPIRED', `${o.key} has expired at the snapshot time`, o.flag);
  const e = inst.expiryMs;
  const next: UnderlyingMarket = {
    ...u,
    forwards: sortForwards([...u.forwards, { expiryMs: e, forward: o.value, source: 'input' }]),
    surface: u.surface.map((sl) => (sl.expiryMs === e ? { ...sl, forward: o.value } : sl)),
  };
  return [withUnderlying(s, next), `--mark ${o.key}=${o.value}: forward of its expiry set`];
}

/** The vol a `--mark` on an option implies (see module doc), or the `--vol` itself. */
function targetVol(
  o: MarketOverride,
  inst: VanillaOption,
  F: number,
  T: number,
  rate: number,
): number {
  if (o.flag === '--vol') return o.value;
  try {
    return inst.settlement === 'inverse'
      ? impliedVolInverse(inst.right, o.value, F, inst.strike, T)
      : impliedVolBlack76(inst.right, o.value, F, inst.strike, T, Math.exp(-rate * T));
  } catch (e) {
    const why = e instanceof BallastError ? e.message : String(e);
    throw new BallastError(
      'INVALID_INPUT',
      `${o.key}: no implied vol for mark ${o.value} (${why})`,
      o.flag,
    );
  }
}

/** `--vol` or `--mark` on a vanilla option: parallel shift of its expiry's slice. */
function overrideOptionVol(
  s: MarketSnapshot,
  o: MarketOverride,
  inst: VanillaOption,
  u: UnderlyingMarket,
): [MarketSnapshot, string] {
  const i = u.surface.findIndex((sl) => sl.expiryMs === inst.expiryMs);
  if (i < 0)
    throw new BallastError(
      'MISSING_VOL',
      `${o.key}: the snapshot has no surface slice at its expiry`,
      o.flag,
    );
  const slice = u.surface[i]!;
  const F = marketForward(s, u, inst, o);
  const T = yearFraction(s.asOfMs, inst.expiryMs);
  const sigma0 = surfaceVol(u, inst.strike, inst.expiryMs, s.asOfMs, o.flag);
  const sigma = targetVol(o, inst, F, T, u.rate);
  if (!(sigma > 0))
    throw new BallastError('INVALID_INPUT', `${o.key}: the mark implies a zero vol`, o.flag);
  const params = {
    ...slice.params,
    a: slice.params.a + (sigma * sigma - sigma0 * sigma0) * slice.T,
  };
  if (!(sviMinTotalVariance(params) >= 0))
    throw new BallastError(
      'INVALID_INPUT',
      `${o.key}: vol ${sigma.toFixed(4)} would make the expiry's smile negative elsewhere`,
      o.flag,
    );
  const surface = u.surface.map((sl, j) => (j === i ? { ...sl, params } : sl));
  return [
    withUnderlying(s, { ...u, surface }),
    `${o.flag} ${o.key}=${o.value}: vol at its strike ${sigma0.toFixed(4)} → ${sigma.toFixed(4)} (expiry's slice shifted)`,
  ];
}

function marketForward(
  s: MarketSnapshot,
  u: UnderlyingMarket,
  inst: VanillaOption,
  o: MarketOverride,
): number {
  const exact = u.forwards.find((f) => f.expiryMs === inst.expiryMs);
  if (exact !== undefined) return exact.forward;
  const slice = u.surface.find((sl) => sl.expiryMs === inst.expiryMs);
  if (slice !== undefined && s.asOfMs < inst.expiryMs) return slice.forward;
  throw new BallastError('MISSING_FORWARD', `${o.key}: no forward at its expiry`, o.flag);
}

/** One symbol override (`--mark` or `--vol`). */
function overrideSymbol(s: MarketSnapshot, o: MarketOverride): [MarketSnapshot, string] {
  const inst = parseSymbol(o.key, undefined, o.flag);
  const u = underlyingMarket(s, inst.underlying, o.flag);
  if (inst.kind === 'option') {
    if (!(inst.expiryMs > s.asOfMs))
      throw new BallastError('EXPIRED', `${o.key} has expired at the snapshot time`, o.flag);
    return overrideOptionVol(s, o, inst, u);
  }
  if (o.flag === '--vol')
    throw new BallastError(
      'INVALID_INPUT',
      `${o.key} is a ${inst.kind}: --vol takes an option`,
      o.flag,
    );
  if (inst.kind === 'perpetual' || inst.kind === 'future') return overrideLinearMark(s, o, inst, u);
  throw new BallastError(
    'UNSUPPORTED',
    `${o.key} is a ${inst.kind}: --mark takes a perpetual, future or vanilla option`,
    o.flag,
  );
}

/** `validateSnapshot` after one override; a failure names the flag that caused it. */
function checked(s: MarketSnapshot, o: MarketOverride): void {
  try {
    validateSnapshot(s, 'market');
  } catch (e) {
    if (!(e instanceof BallastError)) throw e;
    throw new BallastError(e.code, `${o.key}=${o.value} is implausible: ${e.message}`, o.flag);
  }
}

/** Rank of an override in the order of the module doc. */
function stage(o: MarketOverride): number {
  if (o.flag === '--index') return 0;
  if (o.flag === '--vol') return 2;
  return parseSymbol(o.key, undefined, o.flag).kind === 'option' ? 2 : 1;
}

/**
 * Applies the overrides (module doc) to a snapshot: the new snapshot (validated; its input
 * hash changes with it) and one note per override for the result's warnings.
 */
export function applyMarketOverrides(
  snapshot: MarketSnapshot,
  overrides: readonly MarketOverride[],
): { snapshot: MarketSnapshot; notes: string[] } {
  if (overrides.length === 0) return { snapshot, notes: [] };
  const seen = new Set<string>();
  for (const o of overrides) {
    const id = o.flag === '--index' ? `index ${o.key}` : `symbol ${o.key}`;
    if (seen.has(id))
      throw new BallastError('INVALID_INPUT', `${o.key} is overridden twice`, o.flag);
    seen.add(id);
  }
  const ordered = [...overrides].sort((a, b) => stage(a) - stage(b));
  const expiries = new Set<string>();
  let s = snapshot;
  const notes: string[] = [];
  for (const o of ordered) {
    if (stage(o) === 2) {
      const inst = parseSymbol(o.key, undefined, o.flag) as VanillaOption;
      const id = `${inst.underlying} ${inst.expiryMs}`;
      if (expiries.has(id))
        throw new BallastError(
          'INVALID_INPUT',
          `${o.key}: one --mark/--vol per option expiry`,
          o.flag,
        );
      expiries.add(id);
    }
    const [next, note] = o.flag === '--index' ? overrideIndex(s, o) : overrideSymbol(s, o);
    checked(next, o);
    s = next;
    notes.push(`${note} (market overridden for this run)`);
  }
  return { snapshot: s, notes };
}

/**
 * Deribit PM add-ons computed from positions: roll shock (docs/methodology/deribit-pm.md §10) and
 * delta shock (§11, hypotheses only).
 */
import { toIso } from '../../core/time.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import type { DeribitPmCurrency, DeribitPmCurrencyPair, DeribitPmRules } from './params.ts';
import { coinDelta, type KeyVectors } from './vectors.ts';

/** One term of the roll shock. */
export interface RollShockItem {
  /** Instrument symbol, or `<UNDERLYING> options <expiry ISO>` for a netted option expiry. */
  readonly group: string;
  /** Vector key the term belongs to. */
  readonly key: string;
  /** Signed delta of the group, coins. */
  readonly delta: number;
  /** Years to expiry (0 for perpetuals). */
  readonly T: number;
  /** `max(min_annualised_move, f(annualised_move_risk·T))`, fraction. */
  readonly move: number;
  /** True if `f(rate·T)` exceeded the floor (the time scaling is then [I]). */
  readonly aboveFloor: boolean;
  /** |delta| · move, in the pool currency (× S0 in USD pools). */
  readonly amount: number;
}

/** The roll shock of one key. */
export interface RollShock {
  readonly amount: number;
  readonly items: readonly RollShockItem[];
  /** Per-expiry netting of option deltas gives a different amount than per-instrument (§10) [I]. */
  readonly optionGroupingMatters: boolean;
}

/** `max(min, rate·T)` (linear) or `max(min, exp(rate·T) − 1)` (exp), §10. */
export function rollMove(
  T: number,
  c: DeribitPmCurrency,
  time: DeribitPmRules['rollShockTime'],
): { move: number; aboveFloor: boolean } {
  const x = c.annualised_move_risk * T;
  const f = time === 'exp' ? Math.expm1(x) : x;
  return { move: Math.max(c.min_annualised_move, f), aboveFloor: f > c.min_annualised_move };
}

/** `toIso` of an expiry, memoized (a what-if ranks every reading's roll shock per trade). */
const isoOfExpiry = new Map<number, string>();
function expiryIso(ms: number): string {
  let s = isoOfExpiry.get(ms);
  if (s === undefined) {
    s = toIso(ms);
    if (isoOfExpiry.size < 4096) isoOfExpiry.set(ms, s);
  }
  return s;
}

/**
 * Roll shock of one key (§10): `Σ |delta| · max(min_annualised_move, f(annualised_move_risk·T))`
 * with per-instrument |size| for futures and perpetuals (T = 0 for perpetuals) [R at the floor],
 * option deltas netted per expiry (or per instrument) [I], spot excluded (it does not roll).
 * Coin pools: coins; USD pools: coins × S0 [I].
 */
export function rollShockOf(
  kv: KeyVectors,
  c: DeribitPmCurrency,
  rules: DeribitPmRules,
): RollShock {
  const items: RollShockItem[] = [];
  const usdScale = kv.coinSettled ? 1 : kv.index;
  const push = (group: string, delta: number, T: number) => {
    const { move, aboveFloor } = rollMove(T, c, rules.rollShockTime);
    items.push({
      group,
      key: kv.key,
      delta,
      T,
      move,
      aboveFloor,
      amount: Math.abs(delta) * move * usdScale,
    });
  };
  const optionGroups = new Map<number, { delta: number; T: number; perInstrument: number }>();
  kv.positions.forEach((p, i) => {
    const inst = p.instrument;
    const st = kv.states[i]!;
    if (inst.kind === 'spot') return;
    if (!isOptionLike(inst)) {
      push(inst.symbol, p.size, inst.kind === 'future' ? st.T : 0);
      return;
    }
    const d = p.size * (kv.deltas?.roll[i] ?? coinDelta(inst, st, rules.rollShockOptionDelta));
    if (rules.rollShockOptions === 'per-instrument') push(inst.symbol, d, st.T);
    const g = optionGroups.get(inst.expiryMs) ?? { delta: 0, T: st.T, perInstrument: 0 };
    g.delta += d;
    g.perInstrument += Math.abs(d);
    optionGroups.set(inst.expiryMs, g);
  });
  let optionGroupingMatters = false;
  for (const [expiryMs, g] of [...optionGroups.entries()].sort((a, b) => a[0] - b[0])) {
    if (Math.abs(g.delta) !== g.perInstrument) optionGroupingMatters = true;
    if (rules.rollShockOptions === 'per-expiry')
      push(`${kv.underlying} options ${expiryIso(expiryMs)}`, g.delta, g.T);
  }
  let amount = 0;
  for (const it of items) amount += it.amount;
  return { amount, items, optionGroupingMatters };
}

/** H1 intermediates (§11). */
export interface DeltaShockH1Parts {
  /** Threshold in coins: delta_total_liq_shock_threshold / S0. */
  readonly thresholdCoin: number;
  /** max(0, |Δ| − threshold/S0), coins. */
  readonly excess: number;
  /** min(max_delta_shock, m_inc · excess). */
  readonly fraction: number;
  /** |Δ| · fraction, coins. */
  readonly amountCoin: number;
}

/** The delta shock of one key with its intermediates (§11). */
export interface DeltaShock {
  readonly hypothesis: DeribitPmRules['deltaShock'];
  /** Net delta of the key, coins (Deribit delta_total convention). */
  readonly deltaTotal: number;
  /** What H1 gives (always computed, for comparison). */
  readonly h1: DeltaShockH1Parts;
  /** H2 only: the replica's adjusted delta Δs, coins. */
  readonly h2AdjustedDelta?: number;
  /** The charge in coins under `hypothesis` (0 when off). */
  readonly amountCoin: number;
  /** The charge in the pool currency (× S0 in USD pools). */
  readonly amount: number;
}

/**
 * H1 delta shock in coins [I] (§11): `excess = max(0, |Δ| − threshold/S)`,
 * `fraction = min(max_delta_shock, m_inc·excess)`, `shock = |Δ|·fraction`.
 * Example from the notes: Δ = 1,000 BTC, S = 65,000, threshold 20 M USD, m_inc 0.00005 →
 * excess 692.3 BTC, fraction 3.46 %, shock 34.6 BTC.
 */
export function deltaShockH1(
  deltaTotal: number,
  index: number,
  pair: DeribitPmCurrencyPair,
): DeltaShockH1Parts {
  const thresholdCoin = pair.delta_total_liq_shock_threshold / index;
  const abs = Math.abs(deltaTotal);
  const excess = Math.max(0, abs - thresholdCoin);
  const fraction = Math.min(pair.max_delta_shock, pair.m_inc * excess);
  return { thresholdCoin, excess, fraction, amountCoin: abs * fraction };
}

/**
 * H2 delta shock in coins [T, replica] (§11): `Δs` = futures/perps/spot + short-option deltas,
 * reduced but never flipped (and never increased) by long-option deltas;
 * `min(max(Δs·S − threshold, 0)·Δs·0.01, max_delta_shock·S·Δs)/S`, floored at 0 (the
 * replica's formula is 0 for negative Δs in effect; we never return a negative charge).
 */
export function deltaShockH2(
  oneAndShort: number,
  longOptions: number,
  index: number,
  pair: DeribitPmCurrencyPair,
): { adjustedDelta: number; amountCoin: number } {
  let ds = oneAndShort;
  if (Math.sign(longOptions) !== Math.sign(ds) && ds !== 0) {
    ds = Math.sign(ds) * Math.max(0, Math.abs(ds) - Math.abs(longOptions));
  }
  const S = index;
  const raw =
    Math.min(
      Math.max(ds * S - pair.delta_total_liq_shock_threshold, 0) * ds * 0.01,
      pair.max_delta_shock * S * ds,
    ) / S;
  return { adjustedDelta: ds, amountCoin: Math.max(0, raw) };
}

/** Delta shock of one key under the chosen hypothesis (0 when `off`). */
export function deltaShockOf(kv: KeyVectors, rules: DeribitPmRules): DeltaShock {
  let total = 0;
  let oneAndShort = 0;
  let longOptions = 0;
  kv.positions.forEach((p, i) => {
    const d = p.size * (kv.deltas?.coin[i] ?? coinDelta(p.instrument, kv.states[i]!, 'coin'));
    total += d;
    if (isOptionLike(p.instrument) && p.size > 0) longOptions += d;
    else oneAndShort += d;
  });
  const usdScale = kv.coinSettled ? 1 : kv.index;
  const h1 = deltaShockH1(total, kv.index, kv.pair);
  const base = { hypothesis: rules.deltaShock, deltaTotal: total, h1 };
  if (rules.deltaShock === 'off') return { ...base, amountCoin: 0, amount: 0 };
  if (rules.deltaShock === 'H1')
    return { ...base, amountCoin: h1.amountCoin, amount: h1.amountCoin * usdScale };
  const h2 = deltaShockH2(oneAndShort, longOptions, kv.index, kv.pair);
  return {
    ...base,
    h2AdjustedDelta: h2.adjustedDelta,
    amountCoin: h2.amountCoin,
    amount: h2.amountCoin * usdScale,
  };
}

/**
 * Tiered ("tax-bracket") maintenance margin: the rate steps up with notional, and each slice
 * of notional is charged at its own tier's rate (docs/methodology/binance-bybit.md §A.3, §B.2).
 *
 * Binance publishes per symbol a bracket list (`GET /fapi/v1/leverageBracket`,
 * `/papi/v1/um/leverageBracket`, `/dapi/v2/leverageBracket`) with a maintenance amount `cum`
 * that turns the slice-by-slice sum into one product:
 *
 *   MM = notional × maintMarginRatio_k − cum_k        (k = the bracket holding the notional)
 *   cum_1 = 0,  cum_k = cum_{k−1} + notionalFloor_k × (mmr_k − mmr_{k−1})
 *
 * Bybit's risk-limit tiers are the same arithmetic written incrementally (W-Y1). The same
 * slice arithmetic is OKX's MR7 tiered multiplier (docs/methodology/okx-pm.md §2.2), with the multiplier in
 * place of the rate. Units: `notional` and `cum` are in the bracket table's unit (USDT/USDC
 * notional for USDⓈ-M, coin quantity for COIN-M, USD of raw charge for OKX MR7).
 */
import { BallastError, requireFinite, requireNonNegative } from '../core/errors.ts';

/**
 * One bracket (Binance `LeverageBracket`; Bybit risk-limit tier). `notionalCap: null` means
 * the last, open-ended tier.
 */
export interface MaintenanceBracket {
  /** Tier number as published (1-based), informational. */
  readonly bracket?: number;
  /** Lower edge of notional, inclusive, in the table's unit. */
  readonly notionalFloor: number;
  /** Upper edge of notional, in the table's unit (`null`: no cap). */
  readonly notionalCap: number | null;
  /** Maintenance margin rate of the tier (fraction; 0.005 = 0.5 %), or a multiplier (OKX MR7). */
  readonly maintMarginRatio: number;
  /** Maintenance amount ("cum") of the tier, in the table's unit. */
  readonly cum: number;
  /** Maximum leverage allowed in the tier (Binance `initialLeverage`), informational. */
  readonly initialLeverage?: number;
}

/** A tier written as an upper edge and a rate (Bybit's and OKX's tables; `upTo: null` = open). */
export interface TierEdge {
  readonly upTo: number | null;
  readonly rate: number;
}

/**
 * Checks a bracket table: non-empty, first floor 0, contiguous (each floor = the previous cap),
 * caps above floors, only the last cap may be `null`, finite rates ≥ 0 and finite `cum`.
 * Throws INVALID_INPUT naming `field`.
 */
export function validateBrackets(
  brackets: readonly MaintenanceBracket[],
  field = 'brackets',
): void {
  if (brackets.length === 0)
    throw new BallastError('INVALID_INPUT', 'a bracket table needs at least one bracket', field);
  brackets.forEach((b, k) => {
    const f = `${field}[${k}]`;
    requireNonNegative(b.notionalFloor, `${f}.notionalFloor`);
    requireNonNegative(b.maintMarginRatio, `${f}.maintMarginRatio`);
    requireFinite(b.cum, `${f}.cum`);
    if (k === 0 && b.notionalFloor !== 0)
      throw new BallastError(
        'INVALID_INPUT',
        `the first bracket must start at 0, got ${b.notionalFloor}`,
        `${f}.notionalFloor`,
      );
    if (b.notionalCap === null) {
      if (k !== brackets.length - 1)
        throw new BallastError(
          'INVALID_INPUT',
          'only the last bracket may be open-ended (notionalCap null)',
          `${f}.notionalCap`,
        );
    } else {
      requireFinite(b.notionalCap, `${f}.notionalCap`);
      if (!(b.notionalCap > b.notionalFloor))
        throw new BallastError(
          'INVALID_INPUT',
          `cap ${b.notionalCap} must be above the floor ${b.notionalFloor}`,
          `${f}.notionalCap`,
        );
    }
    if (k > 0) {
      const prevCap = brackets[k - 1]!.notionalCap;
      if (prevCap !== b.notionalFloor)
        throw new BallastError(
          'INVALID_INPUT',
          `brackets must be contiguous: floor ${b.notionalFloor} ≠ previous cap ${String(prevCap)}`,
          `${f}.notionalFloor`,
        );
    }
  });
}

/**
 * Maintenance amounts implied by the floors and rates (`cum_1 = 0`,
 * `cum_k = cum_{k−1} + floor_k·(mmr_k − mmr_{k−1})`), docs/methodology/binance-bybit.md §A.3. Returns a copy
 * of `brackets` with `cum` replaced. Use it when a venue gives rates but no `cum`; prefer the
 * published `cum` when there is one (Binance may round it).
 */
export function withComputedCum(brackets: readonly MaintenanceBracket[]): MaintenanceBracket[] {
  let cum = 0;
  return brackets.map((b, k) => {
    if (k > 0) cum += b.notionalFloor * (b.maintMarginRatio - brackets[k - 1]!.maintMarginRatio);
    return { ...b, cum };
  });
}

/**
 * Brackets from `{upTo, rate}` tiers (Bybit risk-limit tiers, OKX MR7 tiers), floors from the
 * previous edge and `cum` computed (`withComputedCum`). Validated.
 */
export function bracketsFromTiers(
  tiers: readonly TierEdge[],
  field = 'tiers',
): MaintenanceBracket[] {
  let floor = 0;
  const out = tiers.map((t, k) => {
    const b: MaintenanceBracket = {
      bracket: k + 1,
      notionalFloor: floor,
      notionalCap: t.upTo,
      maintMarginRatio: t.rate,
      cum: 0,
    };
    if (t.upTo !== null) floor = t.upTo;
    return b;
  });
  validateBrackets(out, field);
  return withComputedCum(out);
}

/**
 * Index of the bracket holding `|notional|`: `floor_k ≤ n < cap_k` (the top edge of a
 * capped last bracket is included). Throws INVALID_INPUT if the notional is above the last
 * cap (the venue would not allow the position; fail closed rather than extrapolate).
 */
export function bracketIndex(
  notional: number,
  brackets: readonly MaintenanceBracket[],
  field = 'notional',
): number {
  const n = Math.abs(requireFinite(notional, field));
  for (let k = 0; k < brackets.length; k++) {
    const cap = brackets[k]!.notionalCap;
    if (cap === null || n < cap) return k;
  }
  const last = brackets[brackets.length - 1];
  if (last && n === last.notionalCap) return brackets.length - 1;
  throw new BallastError(
    'INVALID_INPUT',
    `notional ${n} is above the largest bracket cap ${String(last?.notionalCap)}: no maintenance rate is published for it`,
    field,
  );
}

/**
 * Tiered maintenance margin of a position of notional `notional` (sign ignored), in the
 * table's unit: `|notional| × mmr_k − cum_k` (Binance `cum` form, docs/methodology/binance-bybit.md §A.3;
 * identical to the incremental Bybit sum of W-Y1 when `cum` is consistent). Never negative.
 */
export function tieredMaintenance(
  notional: number,
  brackets: readonly MaintenanceBracket[],
  field = 'notional',
): number {
  const k = bracketIndex(notional, brackets, field);
  const b = brackets[k]!;
  return Math.max(0, Math.abs(notional) * b.maintMarginRatio - b.cum);
}

/**
 * The same charge computed slice by slice (Bybit's incremental form, W-Y1):
 * `Σ_k rate_k × (min(n, cap_k) − floor_k)⁺`. Ignores `cum`. Throws like `bracketIndex`
 * above the last cap.
 */
export function incrementalMaintenance(
  notional: number,
  brackets: readonly MaintenanceBracket[],
  field = 'notional',
): number {
  const n = Math.abs(notional);
  bracketIndex(n, brackets, field);
  let total = 0;
  for (const b of brackets) {
    if (n <= b.notionalFloor) break;
    const top = b.notionalCap === null ? n : Math.min(n, b.notionalCap);
    total += b.maintMarginRatio * (top - b.notionalFloor);
  }
  return total;
}

/**
 * SPAN delivery (spot-month) charge (docs/methodology/span-tims.md §1.5: "delivery charge for
 * positions in the delivery period"). Crypto products settle in cash on an index average, so
 * the charge covers settlement-window risk (ours): every dated position with
 * `0 < days to expiry ≤ withinDays` is charged `rate × index` USD per coin of absolute
 * composite delta (gross, conservative).
 */
import { BallastError } from '../../core/errors.ts';

/** Delivery-charge parameters of one combined commodity. */
export interface DeliveryChargeParams {
  /** Length of the delivery period before expiry, calendar days (≥ 0). */
  readonly withinDays: number;
  /** USD per coin of delta, as a fraction of the index (≥ 0). */
  readonly rate: number;
}

/** A position as the delivery charge sees it. */
export interface DeliveryPosition {
  /** Days to expiry (undefined for undated instruments). */
  readonly dteDays: number | undefined;
  /** Position composite delta, coins (signed). */
  readonly delta: number;
}

/** Validates delivery-charge parameters (typed errors naming `field`). */
export function validateDeliveryCharge(p: DeliveryChargeParams, field: string): void {
  for (const k of ['withinDays', 'rate'] as const) {
    if (!(Number.isFinite(p[k]) && p[k] >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and >= 0, got ${p[k]}`,
        `${field}.${k}`,
      );
  }
}

/** The delivery charge (USD) and the delta it was charged on (coins). */
export function deliveryCharge(
  positions: readonly DeliveryPosition[],
  p: DeliveryChargeParams,
  index: number,
): { readonly charge: number; readonly deltaInPeriod: number } {
  let d = 0;
  for (const x of positions)
    if (x.dteDays !== undefined && x.dteDays > 0 && x.dteDays <= p.withinDays)
      d += Math.abs(x.delta);
  return { charge: d * p.rate * index, deltaInPeriod: d };
}

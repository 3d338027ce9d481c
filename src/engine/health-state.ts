/**
 * Health state of a batch result, coded as a byte, from the Deribit thresholds of
 * account/health.ts (`HEALTH_THRESHOLDS.deribit`: liquidation when MM utilization > 1
 * [V docs/methodology/deribit-pm.md §12], reduce-only when IM utilization > 1 [V], margin call at IM
 * utilization ≥ 80 % [G]); `error` for an account that could not be margined (never
 * healthy by default).
 */
import { HEALTH_THRESHOLDS, type HealthRule } from '../account/health.ts';
import { utilization } from '../margin/margin-result.ts';

export const STATE_HEALTHY = 0;
export const STATE_MARGIN_CALL = 1;
export const STATE_REDUCE_ONLY = 2;
export const STATE_LIQUIDATION = 3;
export const STATE_ERROR = 4;

/** Names of the state codes (index = code). */
export const STATE_NAMES = [
  'healthy',
  'margin-call',
  'reduce-only',
  'liquidation',
  'error',
] as const;
/** A state name. */
export type BatchState = (typeof STATE_NAMES)[number];

const T = HEALTH_THRESHOLDS.deribit!;

function holds(rule: HealthRule, im: number, mm: number, equity: number): boolean {
  const x =
    rule.metric === 'imUtilization'
      ? utilization(im, equity)
      : rule.metric === 'mmUtilization'
        ? utilization(mm, equity)
        : rule.metric === 'equityToMm'
          ? mm === 0
            ? Infinity
            : equity / mm
          : equity;
  switch (rule.op) {
    case '>':
      return x > rule.value;
    case '>=':
      return x >= rule.value;
    case '<':
      return x < rule.value;
    default:
      return x <= rule.value;
  }
}

function any(rules: readonly HealthRule[], im: number, mm: number, equity: number): boolean {
  for (const r of rules) if (holds(r, im, mm, equity)) return true;
  return false;
}

/** The most severe state whose rule holds (Deribit thresholds). */
export function healthState(im: number, mm: number, equity: number): number {
  if (any(T.liquidation, im, mm, equity)) return STATE_LIQUIDATION;
  if (any(T.reduceOnly, im, mm, equity)) return STATE_REDUCE_ONLY;
  if (any(T.marginCall, im, mm, equity)) return STATE_MARGIN_CALL;
  return STATE_HEALTHY;
}

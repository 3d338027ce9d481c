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

const METRICS = ['imUtilization', 'mmUtilization', 'equityToMm', 'equity'] as const;
const OPS = ['>', '>=', '<', '<='] as const;

/**
 * The Deribit rules compiled once into flat arrays (metric code, operator code, threshold),
 * levels 0 = liquidation, 1 = reduce-only, 2 = margin call: the kernel calls `healthState`
 * once per account, so it reads numbers instead of walking rule objects.
 */
function compile(levels: readonly (readonly HealthRule[])[]) {
  const rules = levels.flatMap((rs, level) => rs.map((r) => ({ level, r })));
  const metric = new Int32Array(rules.length);
  const op = new Int32Array(rules.length);
  const value = new Float64Array(rules.length);
  const level = new Int32Array(rules.length);
  rules.forEach((x, i) => {
    metric[i] = METRICS.indexOf(x.r.metric as (typeof METRICS)[number]);
    op[i] = OPS.indexOf(x.r.op);
    if (metric[i]! < 0 || op[i]! < 0)
      throw new RangeError(`health rule ${x.r.metric} ${x.r.op} not supported`);
    value[i] = x.r.value;
    level[i] = x.level;
  });
  return { metric, op, value, level, n: rules.length };
}
const RULES = compile([T.liquidation, T.reduceOnly, T.marginCall]);
const LEVEL_STATE = [STATE_LIQUIDATION, STATE_REDUCE_ONLY, STATE_MARGIN_CALL];

/**
 * The compiled rules in `healthState`'s order, for a kernel that evaluates them elsewhere
 * (key-vectors-simd.wat `$health`): per rule the metric code (0 IM utilization, 1 MM
 * utilization, 2 equity/MM, 3 equity), the operator code (0 >, 1 >=, 2 <, 3 <=), the
 * threshold and the state it gives.
 */
export function healthRuleTable(): {
  metric: Int32Array;
  op: Int32Array;
  value: Float64Array;
  state: Int32Array;
} {
  const state = RULES.level.map((l) => LEVEL_STATE[l]!);
  return { metric: RULES.metric, op: RULES.op, value: RULES.value, state };
}

function metricValue(m: number, im: number, mm: number, equity: number): number {
  if (m === 0) return utilization(im, equity);
  if (m === 1) return utilization(mm, equity);
  if (m === 2) return mm > 0 ? equity / mm : equity >= 0 ? Infinity : -Infinity;
  return equity;
}

/** The most severe state whose rule holds (Deribit thresholds). */
export function healthState(im: number, mm: number, equity: number): number {
  const { metric, op, value, level, n } = RULES;
  for (let i = 0; i < n; i++) {
    const x = metricValue(metric[i]!, im, mm, equity);
    const v = value[i]!;
    const o = op[i]!;
    if (o === 0 ? x > v : o === 1 ? x >= v : o === 2 ? x < v : x <= v)
      return LEVEL_STATE[level[i]!]!;
  }
  return STATE_HEALTHY;
}

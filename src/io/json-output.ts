/**
 * JSON output for machines: pretty-printed, with absent optional fields written as `null`
 * (not dropped) so consumers see every field of the contract, and every non-finite number
 * written in the one form of `NonFiniteJson` (docs/schema/non-finite-number.schema.json)
 * rather than silently becoming `null` (JSON has no ±∞ or NaN).
 */

/**
 * The JSON form of a non-finite number: `{"nonFinite": "Infinity" | "-Infinity" | "NaN"}`
 * in place of the number (e.g. `utilization` of a pool with IM > 0 and equity ≤ 0).
 */
export interface NonFiniteJson {
  readonly nonFinite: 'Infinity' | '-Infinity' | 'NaN';
}

/** The JSON form of a number: itself if finite, else its `NonFiniteJson`. */
export function jsonNumber(x: number): number | NonFiniteJson {
  if (Number.isFinite(x)) return x;
  return { nonFinite: Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity' };
}

/** Serialises `value` for `--json` output (see module doc). */
export function toJsonText(value: unknown): string {
  const replacer = (_k: string, v: unknown): unknown =>
    v === undefined ? null : typeof v === 'number' ? jsonNumber(v) : v;
  return `${JSON.stringify(value, replacer, 2)}\n`;
}

/**
 * JSON output for machines: pretty-printed, with absent optional fields written as `null`
 * (not dropped) so consumers see every field of the contract, and non-finite numbers
 * written as strings (`"Infinity"`) rather than silently becoming `null`.
 */

/** Serialises `value` for `--json` output (see module doc). */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (v === undefined ? null : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

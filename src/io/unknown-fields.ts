/**
 * Unknown fields are errors, never ignored: a typo such as `"sizeUnits": "usd"` would otherwise
 * fall back to a default silently (10,000 USD margined as 10,000 coins). The error names the
 * field and suggests the closest known name (Levenshtein distance, case-insensitive).
 */
import { BallastError } from '../core/errors.ts';

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The known name closest to `name` (within a third of its length, at least 2 edits), if any. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= Math.max(2, Math.ceil(name.length / 3)) ? best : undefined;
}

/** The message for an unknown field: the nearest known name, or the list of known names. */
export function unknownFieldMessage(
  name: string,
  known: readonly string[],
  what = 'field',
): string {
  const near = nearestName(name, known);
  return near !== undefined
    ? `unknown ${what} "${name}"; did you mean "${near}"?`
    : `unknown ${what} "${name}"; known: ${known.join(', ')}`;
}

/** Throws SCHEMA at `field.<key>` for the first key of `obj` not in `known`. */
export function rejectUnknownFields(
  obj: Readonly<Record<string, unknown>>,
  known: readonly string[],
  field: string,
  what = 'field',
): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k))
      throw new BallastError('SCHEMA', unknownFieldMessage(k, known, what), `${field}.${k}`);
  }
}

/** Durations in requests: `30s`, `15m`, `2h`, `3d` (the CLI's `--max-age` form). */
import { BallastError } from '../core/errors.ts';

/** Parses a duration into ms; INVALID_INPUT naming `field` otherwise. */
export function parseDuration(text: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (!m)
    throw new BallastError(
      'INVALID_INPUT',
      `expected a duration such as 30s, 15m, 2h or 3d, got "${text}"`,
      field,
    );
  return Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

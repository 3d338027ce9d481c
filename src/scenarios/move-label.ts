/**
 * Human labels for generated scenarios: dates of a historical window and per-underlying
 * moves (`BTC −15.69%, ETH −18.81% (vol +12.0%)`).
 */
import { toIso } from '../core/time.ts';
import type { PriceInterval } from '../market/history.ts';
import type { UnderlyingMove } from './scenario.ts';

/** `YYYY-MM-DD` for daily data, `YYYY-MM-DDTHH:MMZ` for hourly (UTC). */
export function dateLabel(ms: number, interval: PriceInterval): string {
  const iso = toIso(ms);
  return interval === 'daily' ? iso.slice(0, 10) : `${iso.slice(0, 16)}Z`;
}

/** A signed percentage with a real minus sign, e.g. `−15.69%`, `+2.10%`. */
export function percentLabel(fraction: number, digits = 2): string {
  const s = (fraction * 100).toFixed(digits);
  return fraction < 0 ? `−${s.slice(1)}%` : `+${s}%`;
}

/** `SYM ±x%` per underlying, with the relative vol move when there is one. */
export function movesLabel(moves: Readonly<Record<string, UnderlyingMove>>): string {
  return Object.entries(moves)
    .map(([sym, m]) => {
      const vol =
        m.vol.kind === 'relative'
          ? ` (vol ${percentLabel(m.vol.size, 1)})`
          : m.vol.kind === 'absolute'
            ? ` (vol ${m.vol.size >= 0 ? '+' : '−'}${Math.abs(m.vol.size * 100).toFixed(1)} pts)`
            : '';
      return `${sym} ${percentLabel(m.spotMultiplier - 1)}${vol}`;
    })
    .join(', ');
}

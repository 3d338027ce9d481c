/**
 * Text report of a crash replay (src/account/crash-replay.ts): the event and its sources, the
 * implied-vol treatment, then each day's low and close with the cumulative moves and every
 * pool's equity, IM and MM, and the first point the account would have been liquidated.
 */
import type { CrashReplay } from '../account/crash-replay.ts';
import type { CrashEvent } from '../scenarios/crash-events.ts';
import { decimalsFor } from './render-margin.ts';
import { fmt, renderTable } from './table.ts';

const pct = (x: number) => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(2)} %`;

/** The event's header lines: name, price source, implied-vol treatment per underlying. */
function header(event: CrashEvent, r: CrashReplay): string[] {
  const lines = [
    `${event.id} — ${event.name} (model ${r.model})`,
    `prices: ${event.source.name}, ${event.source.url}${event.source.note ? ` — ${event.source.note}` : ''}`,
  ];
  for (const [u, f] of Object.entries(r.volFactors)) {
    const iv = event.impliedVol?.[u];
    if (f !== 1 && iv)
      lines.push(
        `implied vol ${u}: × ${f.toFixed(4)} on every vol (${iv.note}; ${iv.source.name}, ${iv.source.url})`,
      );
    else if (iv)
      lines.push(`implied vol ${u}: unchanged — ${iv.note} (${iv.source.name}, ${iv.source.url})`);
    else lines.push(`implied vol ${u}: unchanged (no published jump found for this event)`);
  }
  return lines;
}

/** Renders one replay (see module doc). */
export function renderCrashReplay(event: CrashEvent, r: CrashReplay): string {
  const unds = Object.keys(r.volFactors);
  const head = [
    'day',
    'point',
    ...unds.map((u) => `${u} move`),
    'pool',
    'equity',
    'IM',
    'MM',
    'state',
  ];
  const rows: string[][] = [];
  const poolRows = (day: string, point: string, moves: string[], pools: CrashReplay['start']) =>
    pools.forEach((p, i) => {
      const d = decimalsFor(p.currency);
      rows.push([
        i === 0 ? day : '',
        i === 0 ? point : '',
        ...(i === 0 ? moves : moves.map(() => '')),
        p.currency,
        fmt(p.equity, d),
        fmt(p.initialMargin, d),
        fmt(p.maintenanceMargin, d),
        p.liquidated ? 'LIQUIDATED' : p.equity < p.initialMargin ? 'below IM' : 'ok',
      ]);
    });
  poolRows(
    'before',
    '',
    unds.map(() => ''),
    r.start,
  );
  for (const pt of r.points)
    poolRows(
      pt.date,
      pt.point,
      unds.map((u) => pct(pt.multipliers[u]! - 1)),
      pt.pools,
    );
  const liq = r.firstLiquidation
    ? `first liquidation: ${r.firstLiquidation.date} at the day's ${r.firstLiquidation.point} (equity ≤ MM)`
    : 'not liquidated on this path (equity > MM at every low and close)';
  return [
    ...header(event, r),
    renderTable(
      head,
      rows,
      head.map((_, i) => (i < 2 || i === unds.length + 2 ? 'left' : 'right')),
    ),
    liq,
  ].join('\n');
}

/**
 * Report of a surface build: per expiry, the forward and its source, the SVI parameters,
 * the fit error in vol points and the arbitrage flags.
 */
import { toIsoDate } from '../core/time.ts';
import type { SliceReport } from '../market/build-snapshot.ts';
import { fmt, renderTable } from './table.ts';

/** Renders one underlying's slice reports as a table. */
export function renderSurfaceReport(underlying: string, slices: readonly SliceReport[]): string {
  const rows = slices.map((s) => [
    toIsoDate(s.expiryMs),
    fmt(s.T * 365, 1),
    `${fmt(s.forward, 1)}${s.forwardSource === 'future' ? '' : ' (parity)'}`,
    String(s.quotes),
    s.params ? fmt(s.params.a, 5) : '—',
    s.params ? fmt(s.params.b, 4) : '—',
    s.params ? fmt(s.params.rho, 3) : '—',
    s.params ? fmt(s.params.m, 4) : '—',
    s.params ? fmt(s.params.sigma, 4) : '—',
    fmt(s.rmseVolPoints, 2),
    fmt(s.maxAbsErrorVolPoints, 2),
    s.skipped ? 'skipped' : s.butterfly?.arbitrageFree ? 'ok' : 'ARB',
    s.skipped ? '' : s.calendarViolation ? 'ARB' : 'ok',
    s.repaired ? 'yes' : '',
  ]);
  const head = [
    'expiry',
    'DTE',
    'forward',
    'quotes',
    'a',
    'b',
    'ρ',
    'm',
    'σ',
    'RMSE vp',
    'max vp',
    'butterfly',
    'calendar',
    'repaired',
  ];
  const notes = slices
    .filter((s) => s.skipped)
    .map((s) => `  ${toIsoDate(s.expiryMs)}: ${s.skipped}`);
  return [
    `${underlying} volatility surface (raw SVI per expiry; errors in vol points)`,
    renderTable(head, rows),
    ...notes,
  ].join('\n');
}

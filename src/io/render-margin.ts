/**
 * Readable margin reports: one model's breakdown per pool, the side-by-side comparison of
 * models, and the what-if table.
 */
import { isUsdLike } from '../core/currency.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { fmt, renderTable, truncate } from './table.ts';
import { savingVsBaseline, type ComparisonRow } from '../margin/compare.ts';
import { percent } from './render-percent.ts';

/** Decimals suited to a currency (coins 6, stables 2). */
export function decimalsFor(currency: string): number {
  return isUsdLike(currency) ? 2 : 6;
}

/**
 * The hypotheses table: IM and MM under each combination of readings (one column per rule that
 * varies), the charged (highest) ones marked `◀ IM` / `◀ MM`.
 */
export function renderHypotheses(r: MarginResult, d: number): string {
  const hs = r.hypotheses ?? [];
  const rules = Object.keys(hs[0]?.readings ?? {});
  const same = (
    a: Readonly<Record<string, string>>,
    b: Readonly<Record<string, string>> | undefined,
  ) => b !== undefined && rules.every((k) => a[k] === b[k]);
  const rows = hs.map((h) => [
    ...rules.map((k) => h.readings[k] ?? ''),
    fmt(h.initialMargin, d),
    fmt(h.maintenanceMargin, d),
    [
      same(h.readings, r.hypothesisCharge?.initialMargin) ? '◀ IM' : '',
      same(h.readings, r.hypothesisCharge?.maintenanceMargin) ? '◀ MM' : '',
    ]
      .filter((x) => x)
      .join(' '),
  ]);
  return `hypotheses: ${hs.length} readings of the unpublished rules that can move this book; the highest IM and MM are charged\n${renderTable(
    [...rules, `IM (${r.currency})`, `MM (${r.currency})`, 'charged'],
    rows,
    [...rules.map(() => 'left' as const), 'right', 'right', 'left'],
  )}`;
}

/** The breakdown of one result: requirements, worst scenario, top contributors, add-ons. */
export function renderMarginResult(r: MarginResult, topN = 8): string {
  const d = decimalsFor(r.currency);
  const out: string[] = [];
  out.push(`${r.model} ${r.modelVersion} — pool ${r.currency}`);
  out.push(
    renderTable(
      ['', r.currency],
      [
        ['equity', fmt(r.equity, d)],
        ['initial margin (IM)', fmt(r.initialMargin, d)],
        ['maintenance margin (MM)', fmt(r.maintenanceMargin, d)],
        ['free collateral (equity − IM)', fmt(r.equity - r.initialMargin, d)],
        ['IM utilization', percent(r.utilization)],
      ],
      ['left', 'right'],
    ),
  );
  if (r.worstScenario) {
    const w = r.worstScenario;
    out.push(`worst scenario: ${w.label} [${w.id}], P&L ${fmt(w.pnl, d)} ${r.currency}`);
  }
  const contrib = [...r.contributions].sort((a, b) => a.pnl - b.pnl).slice(0, topN);
  if (contrib.length > 0) {
    out.push(
      renderTable(
        ['top contributors to the worst scenario', 'size', `P&L (${r.currency})`],
        contrib.map((c) => [c.symbol, fmt(c.size, 4), fmt(c.pnl, d)]),
      ),
    );
  }
  if (r.addOns.length > 0) {
    out.push(
      renderTable(
        ['add-on', 'applies to', `amount (${r.currency})`, 'how'],
        r.addOns.map((a) => [a.name, a.appliesTo, fmt(a.amount, d), a.description ?? '']),
        ['left', 'left', 'right', 'left'],
      ),
    );
  }
  if (r.hypotheses && r.hypotheses.length > 1) out.push(renderHypotheses(r, d));
  for (const u of r.unverified) out.push(`unverified: ${u}`);
  for (const v of r.verified ?? []) out.push(`verified: ${v}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  out.push(`inputs hash ${r.inputsHash.slice(0, 16)}…`);
  return out.join('\n');
}

/** Side-by-side table of models with the saving against `baselineUsd` (isolated margin). */
export function renderComparison(
  rows: readonly ComparisonRow[],
  baselineUsd: number | undefined,
): string {
  const table = rows.map((r) => {
    if (r.error) return [r.model, '—', '—', '—', '—', truncate(r.error, 70)];
    const pools = r.results
      .map((x) => `${fmt(x.initialMargin, decimalsFor(x.currency))} ${x.currency}`)
      .join(' + ');
    const saving = savingVsBaseline(r, baselineUsd);
    const note = r.results.some((x) => x.unverified.length > 0) ? 'has unverified rules' : '';
    return [
      r.model,
      pools,
      fmt(r.initialMarginUsd, 0),
      fmt(r.maintenanceMarginUsd, 0),
      percent(saving),
      note,
    ];
  });
  return renderTable(
    ['model', 'IM per pool', 'IM (USD)', 'MM (USD)', 'saving vs isolated', 'note'],
    table,
    ['left', 'right', 'right', 'right', 'right', 'left'],
  );
}

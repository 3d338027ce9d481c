/**
 * Binance maintenance bracket tables of an instrument (docs/methodology/binance-bybit.md §A.3): the keys tried,
 * most specific first, and the table found in the parameters (or the book's default table).
 */
import { BallastError } from '../../core/errors.ts';
import type { Instrument } from '../../instruments/instrument.ts';
import type { MaintenanceBracket } from '../tiered-brackets.ts';
import type { BinancePmParams } from './params.ts';

function yymmdd(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`;
}

/**
 * Bracket-table keys tried for an instrument, most specific first: its own symbol, the Binance
 * symbol (`BTCUSDT`, `BTCUSDT_250627`, `BTCUSD_PERP`, `BTCUSD_250627`), then the pair
 * (`BTCUSDT`, `BTCUSD`).
 */
export function binanceBracketKeys(inst: Instrument): string[] {
  const u = inst.underlying;
  const keys = [inst.symbol];
  if (inst.settlement === 'inverse') {
    keys.push(
      inst.kind === 'future' ? `${u}USD_${yymmdd(inst.expiryMs)}` : `${u}USD_PERP`,
      `${u}USD`,
    );
  } else {
    const pair = `${u}${inst.quote}`;
    keys.push(inst.kind === 'future' ? `${pair}_${yymmdd(inst.expiryMs)}` : pair, pair);
  }
  return [...new Set(keys)];
}

/** The bracket table of `inst` (typed error naming `field` when there is none). */
export function bracketsFor(
  inst: Instrument,
  p: BinancePmParams,
  field: string,
): { key: string; table: readonly MaintenanceBracket[] } {
  const keys = binanceBracketKeys(inst);
  for (const k of keys) {
    const t = p.brackets[k];
    if (t) return { key: k, table: t };
  }
  const book = inst.settlement === 'inverse' ? 'cm' : 'um';
  const d = p.defaultBrackets[book];
  if (d) return { key: `default-${book}`, table: d };
  throw new BallastError(
    'INVALID_INPUT',
    `no maintenance bracket table for ${keys.slice(1).join(' / ')}: load it from Binance (${book === 'um' ? 'GET /papi/v1/um/leverageBracket' : 'GET /dapi/v2/leverageBracket'}) into params.brackets, or set params.defaultBrackets.${book} (--params FILE; examples/binance-pm-brackets.json is the flat 0.5 % table of Binance's worked example W-B1)`,
    field,
  );
}

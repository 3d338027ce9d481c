/**
 * The bundled real Deribit BTC snapshot (built once per test file) and instruments on it,
 * for property tests on realistic books.
 */
import { fileURLToPath } from 'node:url';
import { buildSnapshotFromFile } from '../../src/io/load-market.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { Instrument } from '../../src/instruments/instrument.ts';
import { formatDeribitDate } from '../../src/instruments/deribit-symbol.ts';
import { expiryDate } from '../../src/instruments/expiry.ts';

const date = (ms: number): string => formatDeribitDate(expiryDate(ms)!)!;

let cached: MarketSnapshot | undefined;

/** The snapshot built from data/deribit-quantflow/deribit_btc.json.gz. */
export function realSnapshot(): MarketSnapshot {
  cached ??= buildSnapshotFromFile(
    fileURLToPath(new URL('../../data/deribit-quantflow/deribit_btc.json.gz', import.meta.url)),
  ).snapshot;
  return cached;
}

/** Options on fitted expiries (strikes 45k–90k), the listed futures and the perpetual. */
export function realInstruments(): Instrument[] {
  const s = realSnapshot();
  const btc = s.underlyings.BTC!;
  const out: Instrument[] = [parseSymbol('BTC-PERPETUAL', 'deribit')];
  for (const f of btc.forwards.filter((x) => x.source === 'future'))
    out.push(parseSymbol(`BTC-${date(f.expiryMs)}`, 'deribit'));
  for (const sl of btc.surface.filter((x) => x.T > 7 / 365)) {
    for (const K of [45000, 55000, 60000, 65000, 70000, 80000, 90000]) {
      for (const r of ['C', 'P'])
        out.push(parseSymbol(`BTC-${date(sl.expiryMs)}-${K}-${r}`, 'deribit'));
    }
  }
  return out;
}

/**
 * A market given as a value (an HTTP body, a stored document): a Ballast snapshot (recognised
 * by its `schema` tag) is validated; anything else is read as a raw venue market (Deribit book
 * summary, recorded Deribit, quantflow inputs) and built with the default options. Errors name
 * fields under `source` (e.g. `market.underlyings.BTC.index`).
 */
import { importRawMarket } from '../io/import-market.ts';
import { buildImported } from '../io/load-market.ts';
import { isJsonObject } from '../io/read-json.ts';
import { snapshotFromJson } from '../io/snapshot-json.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';

/** True if the value is a Ballast snapshot document (has a `schema` tag). */
export function isSnapshotDocument(value: unknown): boolean {
  return isJsonObject(value) && 'schema' in value;
}

/** The snapshot a market value stands for (see module doc). */
export function marketFromValue(value: unknown, source: string): MarketSnapshot {
  if (isSnapshotDocument(value)) return snapshotFromJson(value, source);
  return buildImported(importRawMarket(value, source), {}).snapshot;
}

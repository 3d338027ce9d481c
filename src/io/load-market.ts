/** File-level market loading: raw venue files to a built snapshot, and snapshot files. */
import { buildSnapshot, type BuildOptions, type SliceReport } from '../market/build-snapshot.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { importRawMarket, type ImportResult } from './import-market.ts';
import { readJsonFile } from './read-json.ts';
import { snapshotFromJson } from './snapshot-json.ts';

/** Imports a raw market file (Deribit book summary or quantflow inputs; `.gz` allowed). */
export function loadRawMarketFile(path: string): ImportResult {
  return importRawMarket(readJsonFile(path), path);
}

/** Imports a raw market file and builds the snapshot with its per-expiry surface report. */
export function buildSnapshotFromFile(
  path: string,
  options: BuildOptions = {},
): { snapshot: MarketSnapshot; slices: Record<string, readonly SliceReport[]>; format: ImportResult['format'] } {
  const imported = loadRawMarketFile(path);
  const built = buildSnapshot(imported.markets, options);
  const warnings = [...imported.warnings, ...(built.snapshot.warnings ?? [])];
  return { snapshot: { ...built.snapshot, warnings }, slices: built.slices, format: imported.format };
}

/** Reads and validates a snapshot JSON file. */
export function loadSnapshotFile(path: string): MarketSnapshot {
  return snapshotFromJson(readJsonFile(path), path);
}

/**
 * Loads a market from either a snapshot file (`ballast market build` output) or a raw market
 * file (built on the fly with the default options).
 */
export function loadMarket(path: string): MarketSnapshot {
  const value = readJsonFile(path);
  if (typeof value === 'object' && value !== null && 'schema' in value) return snapshotFromJson(value, path);
  const imported = importRawMarket(value, path);
  const built = buildSnapshot(imported.markets);
  return { ...built.snapshot, warnings: [...imported.warnings, ...(built.snapshot.warnings ?? [])] };
}

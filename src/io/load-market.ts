/** File-level market loading: raw venue files to a built snapshot, and snapshot files. */
import { buildSnapshot, type BuildOptions, type SliceReport } from '../market/build-snapshot.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { importRawMarket, type ImportResult } from './import-market.ts';
import { isJsonObject, readJsonFile } from './read-json.ts';
import { snapshotFromJson } from './snapshot-json.ts';

/** Imports a raw market file (Deribit book summary or quantflow inputs; `.gz` allowed). */
export function loadRawMarketFile(path: string): ImportResult {
  return importRawMarket(readJsonFile(path), path);
}

/** Symbols of the options and futures a raw import lists (the tradable universe it quotes). */
export function listedSymbols(imported: ImportResult): string[] {
  return imported.markets.flatMap((m) => [
    ...m.options.map((o) => o.symbol),
    ...m.futures.map((f) => f.symbol),
  ]);
}

/** Builds the snapshot of an import; the importer's warnings come first. */
export function buildImported(
  imported: ImportResult,
  options: BuildOptions,
): { snapshot: MarketSnapshot; slices: Record<string, readonly SliceReport[]> } {
  const built = buildSnapshot(imported.markets, options);
  const warnings = [...imported.warnings, ...(built.snapshot.warnings ?? [])];
  return { snapshot: { ...built.snapshot, warnings }, slices: built.slices };
}

/**
 * Imports a raw market file and builds the snapshot with its per-expiry surface report, the
 * file's format and the symbols it lists.
 */
export function buildSnapshotFromFile(
  path: string,
  options: BuildOptions = {},
): {
  snapshot: MarketSnapshot;
  slices: Record<string, readonly SliceReport[]>;
  format: ImportResult['format'];
  listedSymbols: string[];
} {
  const imported = loadRawMarketFile(path);
  return {
    ...buildImported(imported, options),
    format: imported.format,
    listedSymbols: listedSymbols(imported),
  };
}

/** Reads and validates a snapshot JSON file. */
export function loadSnapshotFile(path: string): MarketSnapshot {
  return snapshotFromJson(readJsonFile(path), path);
}

/** A market loaded by `loadMarket`. */
export interface LoadedMarket {
  readonly snapshot: MarketSnapshot;
  /** Options and futures a raw market file lists; `undefined` for a snapshot file. */
  readonly listedSymbols: readonly string[] | undefined;
}

/**
 * Loads a market from either a snapshot file (`ballast market build` output, recognised by
 * its `schema` tag) or a raw market file (built on the fly with the default options). The
 * file is read once.
 */
export function loadMarket(path: string): LoadedMarket {
  const value = readJsonFile(path);
  if (isJsonObject(value) && 'schema' in value) {
    return { snapshot: snapshotFromJson(value, path), listedSymbols: undefined };
  }
  const imported = importRawMarket(value, path);
  return { snapshot: buildImported(imported, {}).snapshot, listedSymbols: listedSymbols(imported) };
}

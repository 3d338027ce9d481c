/** File-level market loading: raw venue files to a built snapshot, and snapshot files. */
import { BallastError } from '../core/errors.ts';
import { toIso } from '../core/time.ts';
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

/** Raw files merged into one snapshot may be at most this far apart in time (1 h). */
export const MAX_AS_OF_SPREAD_MS = 3_600_000;

/**
 * Imports several raw market files (e.g. the BTC and the ETH surface of the same day) into one
 * set of raw markets as of the oldest file's time: an underlying in two files is an error,
 * files further apart than `MAX_AS_OF_SPREAD_MS` are an error, and a newer file's quotes taken
 * as of the oldest time are reported in the warnings.
 */
export function importRawMarketFiles(paths: readonly string[]): ImportResult {
  if (paths.length === 0)
    throw new BallastError('INVALID_INPUT', 'give at least one raw market file', 'files');
  const imports = paths.map((p) => loadRawMarketFile(p));
  const all = imports.flatMap((im, i) => im.markets.map((m) => ({ m, path: paths[i]! })));
  const seen = new Map<string, string>();
  for (const { m, path } of all) {
    const other = seen.get(m.underlying);
    if (other !== undefined)
      throw new BallastError(
        'INVALID_INPUT',
        `${m.underlying} is in both ${other} and ${path}: give each underlying once`,
        path,
      );
    seen.set(m.underlying, path);
  }
  const asOfMs = Math.min(...all.map(({ m }) => m.asOfMs));
  const warnings = imports.flatMap((im) => im.warnings);
  const markets = all.map(({ m, path }) => {
    if (m.asOfMs === asOfMs) return m;
    if (m.asOfMs - asOfMs > MAX_AS_OF_SPREAD_MS)
      throw new BallastError(
        'INVALID_INPUT',
        `${m.underlying} is as of ${toIso(m.asOfMs)}, more than 1 h after ${toIso(asOfMs)}: one snapshot has one as-of time`,
        path,
      );
    warnings.push(
      `${m.underlying}: quotes of ${toIso(m.asOfMs)} taken as of the snapshot time ${toIso(asOfMs)} (${((m.asOfMs - asOfMs) / 1000).toFixed(0)} s earlier)`,
    );
    return { ...m, asOfMs };
  });
  return { format: imports[0]!.format, markets, warnings };
}

/** `buildSnapshotFromFile` for several raw files merged by `importRawMarketFiles`. */
export function buildSnapshotFromFiles(
  paths: readonly string[],
  options: BuildOptions = {},
): { snapshot: MarketSnapshot; slices: Record<string, readonly SliceReport[]> } {
  return buildImported(importRawMarketFiles(paths), options);
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

/**
 * Where a request's market comes from: an inline `market` (a Ballast snapshot, or a raw venue
 * market built on the fly) or a stored snapshot by `marketId`, parsed once and kept in a small
 * in-memory cache (snapshots are immutable: the id is the hash of the document). The staleness
 * rule is then applied at the server's clock (app/market-check.ts).
 */
import { canonicalHash } from '../core/hash.ts';
import { BallastError } from '../core/errors.ts';
import { checkMarket, type CheckedMarket } from '../app/market-check.ts';
import { marketFromValue } from '../app/market-input.ts';
import { snapshotToJson } from '../io/snapshot-json.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { SnapshotMeta, Store } from '../store/store.ts';
import { parseDuration } from '../app/duration.ts';
import { applyMarketMoves, type MarketMoves } from '../app/market-moves.ts';

/** The market fields every market-reading request shares. */
export interface MarketFields {
  readonly market?: unknown;
  readonly marketId?: string;
  readonly allowStale?: boolean;
  readonly maxAge?: string;
  readonly overrides?: MarketMoves;
}

/** Resolves and checks markets for requests (see module doc). */
export interface MarketSource {
  /** The checked market of a request. */
  resolve(body: MarketFields): Promise<CheckedMarket & { marketId: string | null }>;
  /** Stores a market value (snapshot or raw), returning its metadata and warnings. */
  store(value: unknown): Promise<{ meta: SnapshotMeta; warnings: readonly string[] }>;
  /** A stored snapshot by id (parsed, cached). */
  byId(id: string, field: string): Promise<MarketSnapshot>;
}

const CACHE_SIZE = 16;

/** A market source over `store`, with `clock` for the staleness rule. */
export function marketSource(store: Store, clock: () => number): MarketSource {
  const cache = new Map<string, MarketSnapshot>();
  const byId = async (id: string, field: string): Promise<MarketSnapshot> => {
    const hit = cache.get(id);
    if (hit) return hit;
    const got = await store.getSnapshot(id);
    if (!got) throw new BallastError('NOT_FOUND', `no stored market "${id}"`, field);
    const snap = marketFromValue(got.document, `markets/${id}`);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(id, snap);
    return snap;
  };
  return {
    byId,
    async resolve(body) {
      if ((body.market === undefined) === (body.marketId === undefined))
        throw new BallastError('SCHEMA', 'give exactly one of "market" and "marketId"', 'market');
      const snapshot =
        body.marketId !== undefined
          ? await byId(body.marketId, 'marketId')
          : marketFromValue(body.market, 'market');
      const checked = checkMarket(snapshot, {
        nowMs: clock(),
        maxAgeMs: parseDuration(body.maxAge ?? '1h', 'maxAge'),
        allowStale: body.allowStale ?? false,
        field: body.marketId !== undefined ? 'marketId' : 'market',
      });
      const moved = applyMarketMoves(checked.snapshot, body.overrides);
      return {
        snapshot: moved.snapshot,
        warnings: [...checked.warnings, ...moved.notes],
        // a moved market is not the stored one: nothing may claim that id for its numbers
        marketId: moved.notes.length > 0 ? null : (body.marketId ?? null),
      };
    },
    async store(value) {
      const snapshot = marketFromValue(value, 'market');
      const document = snapshotToJson(snapshot);
      const hash = canonicalHash(document);
      const meta = await store.putSnapshot(hash.slice(0, 16), document, {
        asOfMs: snapshot.asOfMs,
        underlyings: Object.keys(snapshot.underlyings).sort(),
        hash,
        storedMs: clock(),
      });
      return { meta, warnings: snapshot.warnings ?? [] };
    },
  };
}

/**
 * Market snapshots: upload (a Ballast snapshot, or a raw venue market built on upload), list,
 * fetch one, and the latest per underlying. Ids are the first 16 hex digits of the SHA-256 of
 * the canonical snapshot document, so uploading the same market twice stores it once.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BallastError } from '../core/errors.ts';
import type { SnapshotMeta } from '../store/store.ts';
import { requireWrite, type ServerContext } from './context.ts';
import { sendJson } from './json-reply.ts';
import { IdParams, MarketUploadBody } from './schemas.ts';

/** Snapshot metadata as the API shows it (times as ISO strings). */
export function metaJson(m: SnapshotMeta): Record<string, unknown> {
  return {
    id: m.id,
    asOf: new Date(m.asOfMs).toISOString(),
    underlyings: m.underlyings,
    hash: m.hash,
    stored: new Date(m.storedMs).toISOString(),
  };
}

/** Registers the market routes. */
export function marketRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['markets'];
  r.post(
    '/v1/markets',
    {
      schema: {
        tags,
        summary: 'Store a market snapshot (or build one from a raw venue market)',
        body: MarketUploadBody,
      },
    },
    async (req, reply) => {
      requireWrite(req);
      const { meta, warnings } = await ctx.markets.store(req.body.market);
      return sendJson(reply, { ...metaJson(meta), warnings }, 201);
    },
  );
  r.get(
    '/v1/markets',
    { schema: { tags, summary: 'Stored markets, newest first' } },
    async (_req, reply) => sendJson(reply, (await ctx.store.listSnapshots()).map(metaJson)),
  );
  r.get(
    '/v1/markets/latest/:underlying',
    {
      schema: {
        tags,
        summary: 'The newest stored market covering an underlying',
        params: Type.Object({ underlying: Type.String() }),
      },
    },
    async (req, reply) => {
      const u = req.params.underlying.toUpperCase();
      const m = await ctx.store.latestSnapshot(u);
      if (!m) throw new BallastError('NOT_FOUND', `no stored market covers ${u}`, 'underlying');
      return sendJson(reply, metaJson(m));
    },
  );
  r.get(
    '/v1/markets/:id',
    { schema: { tags, summary: 'A stored market snapshot document', params: IdParams } },
    async (req, reply) => {
      const got = await ctx.store.getSnapshot(req.params.id);
      if (!got) throw new BallastError('NOT_FOUND', `no stored market "${req.params.id}"`, 'id');
      return sendJson(reply, got.document);
    },
  );
}

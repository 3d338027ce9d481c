/**
 * Accounts over the store: create (optionally importing a portfolio in any format Ballast
 * reads), list, read (current or a past version), replace the book, append trades (each
 * change a new version; `expectedVersion` for optimistic writers), margin the stored book
 * (the result is stored with its inputs hash) and the margin history.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { marginUseCase } from '../app/margin.ts';
import { portfolioFromValue } from '../app/portfolio-input.ts';
import { BallastError } from '../core/errors.ts';
import { parseSymbol } from '../instruments/symbol.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { totalsUsd } from '../margin/usd-totals.ts';
import type { Account, Book } from '../store/store.ts';
import { requireAccount, requireWrite, type ServerContext } from './context.ts';
import { sendJson } from './json-reply.ts';
import { checkLimit } from './limits.ts';
import { paramsFor } from './routes-compute.ts';
import {
  AccountCreateBody,
  AccountMarginBody,
  BookReplaceBody,
  IdParams,
  TradesBody,
} from './schemas.ts';

/** A portfolio as a stored book (symbols and coin sizes). */
export function bookOf(p: Portfolio): Book {
  return {
    positions: p.positions.map((q) => ({
      instrument: q.instrument.symbol,
      size: q.size,
      ...(q.entryPrice === undefined ? {} : { entryPrice: q.entryPrice }),
    })),
    balances: p.balances.map((b) => ({ currency: b.currency, amount: b.amount })),
  };
}

/** An account as the API shows it. */
export function accountJson(a: Account): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    version: a.version,
    updated: new Date(a.updatedMs).toISOString(),
    book: a.book,
  };
}

/** The stored account `id` (NOT_FOUND naming `id`). */
async function loadAccount(ctx: ServerContext, id: string): Promise<Account> {
  const a = await ctx.store.getAccount(id);
  if (!a) throw new BallastError('NOT_FOUND', `no account "${id}"`, 'id');
  return a;
}

/** The book of a create / replace body (empty without a portfolio), within the positions limit. */
async function importBookOf(
  ctx: ServerContext,
  body: {
    portfolio?: unknown;
    market?: unknown;
    marketId?: string;
    allowStale?: boolean;
    maxAge?: string;
  },
): Promise<Book> {
  if (body.portfolio === undefined) return { positions: [], balances: [] };
  const needsMarket = body.market !== undefined || body.marketId !== undefined;
  const snapshot = needsMarket
    ? (await ctx.markets.resolve({ ...body, allowStale: body.allowStale ?? true })).snapshot
    : undefined;
  const book = bookOf(portfolioFromValue(body.portfolio, 'portfolio', snapshot));
  checkLimit(book.positions.length, ctx.limits.positions, 'positions', 'portfolio.positions');
  return book;
}

/** Account create, list and read routes. */
function accountRecordRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['accounts'];
  const load = (id: string) => loadAccount(ctx, id);
  const importBook = (body: Parameters<typeof importBookOf>[1]) => importBookOf(ctx, body);
  r.post(
    '/v1/accounts',
    {
      schema: {
        tags,
        summary: 'Create an account (optionally importing a portfolio)',
        body: AccountCreateBody,
      },
    },
    async (req, reply) => {
      requireWrite(req);
      requireAccount(req, req.body.id);
      const book = await importBook(req.body);
      const a = await ctx.store.createAccount(
        req.body.id,
        req.body.name ?? req.body.id,
        book,
        ctx.clock(),
      );
      return sendJson(reply, accountJson(a), 201);
    },
  );
  r.get(
    '/v1/accounts',
    { schema: { tags, summary: 'Accounts this key may see' } },
    async (req, reply) => {
      const all = await ctx.store.listAccounts();
      const k = req.apiKey;
      const visible =
        k && k.accounts.length > 0 ? all.filter((a) => k.accounts.includes(a.id)) : all;
      return sendJson(reply, visible.map(accountJson));
    },
  );
  r.get(
    '/v1/accounts/:id',
    {
      schema: {
        tags,
        summary: 'An account (current version, or ?version=N)',
        params: IdParams,
        querystring: Type.Object({
          version: Type.Optional(Type.String({ pattern: '^[1-9][0-9]*$' })),
        }),
      },
    },
    async (req, reply) => {
      requireAccount(req, req.params.id);
      const a = await load(req.params.id);
      if (req.query.version === undefined) return sendJson(reply, accountJson(a));
      const v = Number(req.query.version);
      const book = await ctx.store.getBookVersion(a.id, v);
      if (!book)
        throw new BallastError('NOT_FOUND', `account "${a.id}" has no version ${v}`, 'version');
      return sendJson(reply, { id: a.id, name: a.name, version: v, book });
    },
  );
}

/** Book replace and trade-append routes (new versions). */
function accountBookRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['accounts'];
  const importBook = (body: Parameters<typeof importBookOf>[1]) => importBookOf(ctx, body);
  r.put(
    '/v1/accounts/:id/book',
    {
      schema: {
        tags,
        summary: 'Replace the book (a new version)',
        params: IdParams,
        body: BookReplaceBody,
      },
    },
    async (req, reply) => {
      requireWrite(req);
      requireAccount(req, req.params.id);
      const book = await importBook(req.body);
      const a = await ctx.store.updateBook(
        req.params.id,
        () => book,
        ctx.clock(),
        req.body.expectedVersion,
      );
      return sendJson(reply, accountJson(a));
    },
  );
  r.post(
    '/v1/accounts/:id/trades',
    {
      schema: {
        tags,
        summary: 'Append trades to the book (a new version)',
        params: IdParams,
        body: TradesBody,
      },
    },
    async (req, reply) => {
      requireWrite(req);
      requireAccount(req, req.params.id);
      checkLimit(req.body.trades.length, ctx.limits.trades, 'trades', 'trades');
      const trades = req.body.trades.map((t, k) => {
        const inst = parseSymbol(t.instrument, undefined, `trades[${k}].instrument`);
        if (!Number.isFinite(t.size) || t.size === 0)
          throw new BallastError(
            'INVALID_INPUT',
            'size must be a non-zero number of coins',
            `trades[${k}].size`,
          );
        return { instrument: inst.symbol, size: t.size };
      });
      const a = await ctx.store.updateBook(
        req.params.id,
        (b) => {
          checkLimit(
            b.positions.length + trades.length,
            ctx.limits.positions,
            'positions',
            'trades',
          );
          return { ...b, positions: [...b.positions, ...trades] };
        },
        ctx.clock(),
        req.body.expectedVersion,
      );
      return sendJson(reply, accountJson(a));
    },
  );
}

/** Margin of a stored book and its history routes. */
function accountMarginRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['accounts'];
  const load = (id: string) => loadAccount(ctx, id);
  r.post(
    '/v1/accounts/:id/margin',
    {
      schema: {
        tags,
        summary: 'Margin the stored book; the result is stored with its inputs hash',
        params: IdParams,
        body: AccountMarginBody,
      },
    },
    async (req, reply) => {
      requireAccount(req, req.params.id);
      const a = await load(req.params.id);
      const { snapshot, warnings, marketId } = await ctx.markets.resolve(req.body);
      const portfolio = portfolioFromValue(a.book, `accounts/${a.id}`, snapshot);
      const result = marginUseCase({
        portfolio,
        snapshot,
        modelId: req.body.model,
        params: paramsFor(req.body.model, req.body.params),
        warnings,
        modelField: 'model',
        evaluate: ctx.prepared.evaluate,
      });
      const usd = totalsUsd(result.pools, snapshot);
      const id = await ctx.store.saveMargin({
        accountId: a.id,
        accountVersion: a.version,
        snapshotId: marketId,
        model: result.model,
        inputsHash: result.inputsHash,
        initialMarginUsd: usd.initialMargin,
        maintenanceMarginUsd: usd.maintenanceMargin,
        equityUsd: usd.equity,
        result,
        computedMs: ctx.clock(),
      });
      return sendJson(reply, { id, accountVersion: a.version, marketId, result });
    },
  );
  r.get(
    '/v1/accounts/:id/margin-history',
    {
      schema: {
        tags,
        summary: 'Stored margin results of the account, oldest first',
        params: IdParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
        }),
      },
    },
    async (req, reply) => {
      requireAccount(req, req.params.id);
      await load(req.params.id);
      const rows = await ctx.store.marginHistory(req.params.id, Number(req.query.limit ?? 100));
      return sendJson(
        reply,
        rows.map((m) => ({
          id: m.id,
          computed: new Date(m.computedMs).toISOString(),
          accountVersion: m.accountVersion,
          marketId: m.snapshotId,
          model: m.model,
          inputsHash: m.inputsHash,
          initialMarginUsd: m.initialMarginUsd,
          maintenanceMarginUsd: m.maintenanceMarginUsd,
          equityUsd: m.equityUsd,
          utilization: m.equityUsd > 0 ? m.initialMarginUsd / m.equityUsd : null,
        })),
      );
    },
  );
}

/** Registers the account routes. */
export function accountRoutes(app: FastifyInstance, ctx: ServerContext): void {
  accountRecordRoutes(app, ctx);
  accountBookRoutes(app, ctx);
  accountMarginRoutes(app, ctx);
}

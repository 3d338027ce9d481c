/**
 * The accounts of `ballast allocate` as a JSON value (`ballast.accounts/1`, see
 * examples/accounts.json; the body of `POST /v1/allocate`):
 *   { "schema": "ballast.accounts/1",
 *     "accounts": [ { "name": "deribit-main", "model": "deribit-pm", "portfolio": <portfolio>,
 *                     "maxUtilization": 0.9, "params": { …overrides… } } ],
 *     "trades": [ { "instrument": "BTC-28AUG26-50000-P", "size": 10 } ],   // route mode
 *     "book": <portfolio>,                                                 // split mode
 *     "collateralUsd": 50000 }                                             // collateral mode
 * A portfolio is inline (`{"positions": [...], "balances": [...]}`) or a string reference
 * resolved by the caller (`refs`: the CLI reads a file relative to the accounts file; the
 * service refuses references). Sizes in coins, collateral in USD, maxUtilization = IM / equity.
 * `AccountsSchema` is the typebox shape (OpenAPI); `accountsFromJson` checks and converts.
 */
import { Type } from 'typebox';
import { BallastError } from '../core/errors.ts';
import type { Account } from '../optimize/allocate.ts';
import { marginModel } from '../margin/registry.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { mergeParams } from './params-file.ts';
import { portfolioFromJson } from './portfolio-input.ts';
import { isJsonObject } from './read-json.ts';

/** Format tag of accounts values. */
export const ACCOUNTS_FORMAT = 'ballast.accounts/1';

const PortfolioRef = Type.Union([
  Type.String({ description: 'a reference (CLI: file path relative to the accounts file)' }),
  Type.Object({}, { additionalProperties: true, description: 'inline portfolio' }),
]);

/** The accounts value (see module doc). */
export const AccountsSchema = Type.Object({
  schema: Type.Optional(Type.Literal(ACCOUNTS_FORMAT)),
  accounts: Type.Array(
    Type.Object({
      name: Type.String(),
      model: Type.String({ description: 'margin model id' }),
      portfolio: Type.Optional(PortfolioRef),
      maxUtilization: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      params: Type.Optional(
        Type.Union([Type.String(), Type.Object({}, { additionalProperties: true })]),
      ),
    }),
  ),
  trades: Type.Optional(
    Type.Array(Type.Object({ instrument: Type.String(), size: Type.Number() })),
  ),
  book: Type.Optional(PortfolioRef),
  collateralUsd: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});

/** How string references are resolved (CLI: files next to the accounts file). */
export interface AccountRefs {
  /** The portfolio a string reference names. */
  portfolio(ref: string, field: string): Portfolio;
  /** The JSON value of a params reference. */
  params(ref: string, field: string): unknown;
}

/** The parsed accounts value. */
export interface AccountsInput {
  readonly accounts: Account[];
  readonly trades?: Portfolio;
  readonly book?: Portfolio;
  readonly collateralUsd?: number;
}

function portfolioAt(
  p: unknown,
  field: string,
  snapshot: MarketSnapshot,
  refs: AccountRefs,
): Portfolio {
  if (typeof p === 'string') return refs.portfolio(p, field);
  if (isJsonObject(p)) return portfolioFromJson({ positions: [], ...p }, field, snapshot);
  throw new BallastError(
    'SCHEMA',
    'expected a portfolio file path or an inline {"positions": [...], "balances": [...]}',
    field,
  );
}

function accountAt(a: unknown, f: string, snapshot: MarketSnapshot, refs: AccountRefs): Account {
  if (!isJsonObject(a) || typeof a.name !== 'string' || typeof a.model !== 'string')
    throw new BallastError('SCHEMA', 'expected {"name": …, "model": …, "portfolio": …}', f);
  const model = marginModel(a.model, `${f}.model`);
  const params =
    a.params === undefined
      ? model.defaultParams
      : mergeParams(
          model.defaultParams,
          typeof a.params === 'string' ? refs.params(a.params, `${f}.params`) : a.params,
          `${f}.params`,
        );
  if (a.maxUtilization !== undefined && typeof a.maxUtilization !== 'number')
    throw new BallastError('SCHEMA', 'must be a number', `${f}.maxUtilization`);
  return {
    name: a.name,
    model,
    params,
    portfolio: portfolioAt(a.portfolio ?? {}, `${f}.portfolio`, snapshot, refs),
    ...(a.maxUtilization === undefined ? {} : { maxUtilization: a.maxUtilization as number }),
  };
}

/** Reads an accounts value (see module doc); errors name fields under `source`. */
export function accountsFromJson(
  v: unknown,
  source: string,
  snapshot: MarketSnapshot,
  refs: AccountRefs,
): AccountsInput {
  if (!isJsonObject(v) || !Array.isArray(v.accounts))
    throw new BallastError(
      'SCHEMA',
      `expected {"schema": "${ACCOUNTS_FORMAT}", "accounts": [...]}`,
      source,
    );
  if (v.schema !== undefined && v.schema !== ACCOUNTS_FORMAT)
    throw new BallastError(
      'SCHEMA',
      `unknown schema ${JSON.stringify(v.schema)} (expected ${ACCOUNTS_FORMAT})`,
      `${source}.schema`,
    );
  const accounts = v.accounts.map((a: unknown, i: number) =>
    accountAt(a, `${source}.accounts[${i}]`, snapshot, refs),
  );
  const out: {
    accounts: Account[];
    trades?: Portfolio;
    book?: Portfolio;
    collateralUsd?: number;
  } = { accounts };
  if (v.trades !== undefined) {
    if (!Array.isArray(v.trades))
      throw new BallastError(
        'SCHEMA',
        'expected a list of {"instrument": …, "size": …}',
        `${source}.trades`,
      );
    out.trades = portfolioFromJson({ positions: v.trades }, `${source}.trades`, snapshot);
  }
  if (v.book !== undefined) out.book = portfolioAt(v.book, `${source}.book`, snapshot, refs);
  if (v.collateralUsd !== undefined) {
    if (typeof v.collateralUsd !== 'number')
      throw new BallastError('SCHEMA', 'must be a number (USD)', `${source}.collateralUsd`);
    out.collateralUsd = v.collateralUsd;
  }
  return out;
}

/**
 * A venue's own margin answer as the user recorded it, for `ballast verify`: the request and
 * the response JSON exactly as the venue sent them, in one file
 *
 *   { "request": { "method": "private/pme/simulate", "params": {…} },   // Deribit (JSON-RPC)
 *     "response": { "jsonrpc": "2.0", "result": {…} } }
 *   { "request": { "method": "private/simulate_portfolio", "params": {…} }, "response": {…} }
 *   { "request": { "endpoint": "/api/v5/account/position-builder", "body": {…} },   // OKX
 *     "response": { "code": "0", "msg": "", "data": [ … ] } }
 *
 * Parsed here into typed parts; a file without its request, a venue error response (JSON-RPC
 * `error`, OKX `code` ≠ "0") or an unknown endpoint is a typed BallastError naming the field.
 * OKX sends numbers as strings: they are read as numbers.
 */
import { BallastError } from '../core/errors.ts';

/** Deribit `private/pme/simulate` (sizes in base currency) or `private/simulate_portfolio`. */
export interface DeribitVenueResponse {
  readonly venue: 'deribit';
  readonly method: 'private/pme/simulate' | 'private/simulate_portfolio';
  readonly params: Readonly<Record<string, unknown>>;
  readonly result: DeribitPmeResult;
}

/** The parts of a `pme/simulate` result verify reads (docs/methodology/deribit-pm.md §15). */
export interface DeribitPmeResult {
  readonly model_params: unknown;
  readonly index_price: Readonly<Record<string, number>>;
  readonly ticker?: Readonly<Record<string, { mark_price: number; index_price?: number }>>;
  readonly portfolio: { readonly position: Readonly<Record<string, number>> };
  readonly initial_risk_vectors?: Readonly<
    Record<string, { standard: number[]; extended: number[] }>
  >;
  readonly aggregated_risk_vectors?: Readonly<
    Record<string, { standard: number[]; extended: number[] }>
  >;
  readonly margins: Readonly<
    Record<
      string,
      {
        initial_margin: number;
        maintenance_margin: number;
        initial_margin_details?: {
          open_orders_margin?: number;
          mmp_margin?: number;
          spot_margin?: number;
          risk_matrix_margin?: number;
          risk_matrix_margin_details?: {
            worst_case?: number;
            roll_shock?: number;
            delta_shock?: number;
          };
        };
      }
    >
  >;
}

/** One OKX risk unit of a position-builder answer, numbers parsed (USD, or coin for pre-merge coin units). */
export interface OkxVenueUnit {
  readonly riskUnit: string;
  readonly mr: Readonly<Record<string, number>>;
  readonly positions: readonly {
    readonly instId: string;
    readonly pos: number;
    readonly markPx?: number;
    readonly delta?: number;
    readonly avgPx?: number;
    /** `notionalUsd` = |size| × index (coins at the venue's contract size of the time). */
    readonly notionalUsd?: number;
  }[];
}

/** OKX `POST /api/v5/account/position-builder`. */
export interface OkxVenueResponse {
  readonly venue: 'okx';
  readonly body: Readonly<Record<string, unknown>>;
  readonly ts?: number;
  /** Account fields when the answer has them (totalMmr, totalImr, derivMmr, borrowMmr, eq). */
  readonly account: Readonly<Record<string, number>>;
  readonly units: readonly OkxVenueUnit[];
}

/** A parsed venue response. */
export type VenueResponse = DeribitVenueResponse | OkxVenueResponse;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function num(v: unknown, field: string): number {
  const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new BallastError('SCHEMA', `expected a number, got ${JSON.stringify(v)}`, field);
  return x;
}

function deribit(
  request: Record<string, unknown>,
  response: Record<string, unknown>,
  src: string,
): DeribitVenueResponse {
  const method = request.method;
  if (method !== 'private/pme/simulate' && method !== 'private/simulate_portfolio')
    throw new BallastError(
      'UNSUPPORTED',
      `Deribit method ${JSON.stringify(method)}: verify reads private/pme/simulate and private/simulate_portfolio`,
      `${src}.request.method`,
    );
  if (isObj(response.error))
    throw new BallastError(
      'VENUE_ERROR',
      `the venue answered with an error, not margins: ${String(response.error.code ?? '')} ${String(response.error.message ?? '')}`.trim(),
      `${src}.response.error`,
    );
  const result = response.result;
  if (!isObj(result))
    throw new BallastError('SCHEMA', 'a JSON-RPC response needs result', `${src}.response.result`);
  if (method === 'private/simulate_portfolio' && !('model_params' in result))
    throw new BallastError(
      'UNSUPPORTED',
      'this simulate_portfolio answer has no model_params or risk vectors (and reads futures sizes in USD): record private/pme/simulate for the same positions',
      `${src}.response.result`,
    );
  for (const k of ['model_params', 'index_price', 'portfolio', 'margins'])
    if (!(k in result))
      throw new BallastError(
        'SCHEMA',
        `the pme/simulate result has no ${k}`,
        `${src}.response.result.${k}`,
      );
  return {
    venue: 'deribit',
    method,
    params: isObj(request.params) ? request.params : {},
    result: result as unknown as DeribitPmeResult,
  };
}

function okxUnit(u: Record<string, unknown>, field: string): OkxVenueUnit {
  const mr: Record<string, number> = {};
  for (const k of ['mr1', 'mr2', 'mr3', 'mr4', 'mr5', 'mr6', 'mr7', 'mr8', 'mr9', 'mmr', 'imr'])
    if (u[k] !== undefined && u[k] !== '') mr[k] = num(u[k], `${field}.${k}`);
  const list = (u.portfolios ?? u.posData ?? []) as unknown[];
  const positions = list.map((p, i) => {
    const q = p as Record<string, unknown>;
    const f = `${field}.${u.portfolios ? 'portfolios' : 'posData'}[${i}]`;
    return {
      instId: String(q.instId),
      pos: num(q.pos ?? q.amt, `${f}.pos`),
      ...(q.markPx !== undefined && q.markPx !== ''
        ? { markPx: num(q.markPx, `${f}.markPx`) }
        : {}),
      ...(q.delta !== undefined && q.delta !== '' ? { delta: num(q.delta, `${f}.delta`) } : {}),
      ...(q.avgPx !== undefined && q.avgPx !== '' ? { avgPx: num(q.avgPx, `${f}.avgPx`) } : {}),
      ...(q.notionalUsd !== undefined && q.notionalUsd !== ''
        ? { notionalUsd: num(q.notionalUsd, `${f}.notionalUsd`) }
        : {}),
    };
  });
  return { riskUnit: String(u.riskUnit), mr, positions };
}

function okx(
  request: Record<string, unknown>,
  response: Record<string, unknown>,
  src: string,
): OkxVenueResponse {
  if (response.code !== undefined && String(response.code) !== '0')
    throw new BallastError(
      'VENUE_ERROR',
      `the venue answered with an error, not margins: code ${String(response.code)} ${String(response.msg ?? '')}`.trim(),
      `${src}.response.code`,
    );
  const data = response.data;
  if (!Array.isArray(data) || data.length === 0)
    throw new BallastError(
      'SCHEMA',
      'a position-builder response needs data[]',
      `${src}.response.data`,
    );
  const first = data[0] as Record<string, unknown>;
  const account: Record<string, number> = {};
  let units: OkxVenueUnit[];
  if (Array.isArray(first.riskUnitData)) {
    for (const k of ['eq', 'totalMmr', 'totalImr', 'derivMmr', 'borrowMmr'])
      if (first[k] !== undefined && first[k] !== '')
        account[k] = num(first[k], `${src}.response.data[0].${k}`);
    units = first.riskUnitData.map((u, i) =>
      okxUnit(u as Record<string, unknown>, `${src}.response.data[0].riskUnitData[${i}]`),
    );
  } else
    units = data.map((u, i) => okxUnit(u as Record<string, unknown>, `${src}.response.data[${i}]`));
  const ts = first.ts !== undefined ? num(first.ts, `${src}.response.data[0].ts`) : undefined;
  return {
    venue: 'okx',
    body: isObj(request.body) ? request.body : {},
    ...(ts !== undefined ? { ts } : {}),
    account,
    units,
  };
}

/** Parses a recorded `{request, response}` pair (see module doc); `src` names the file in errors. */
export function parseVenueResponse(value: unknown, src: string): VenueResponse {
  if (!isObj(value)) throw new BallastError('SCHEMA', 'expected {request, response}', src);
  if (!isObj(value.request))
    throw new BallastError(
      'INVALID_INPUT',
      'the venue response has no request: record the request you sent next to the response ({"request": …, "response": …}); without it the positions and parameters it answers for are unknown',
      `${src}.request`,
    );
  if (!isObj(value.response))
    throw new BallastError(
      'INVALID_INPUT',
      'no response: record the venue answer as "response"',
      `${src}.response`,
    );
  const { request, response } = value;
  if (typeof request.method === 'string') return deribit(request, response, src);
  if (typeof request.endpoint === 'string' && request.endpoint.includes('position-builder'))
    return okx(request, response, src);
  throw new BallastError(
    'UNSUPPORTED',
    'unknown request: give a Deribit JSON-RPC request (method private/pme/simulate or private/simulate_portfolio) or an OKX {"endpoint": "/api/v5/account/position-builder", "body": …}',
    `${src}.request`,
  );
}

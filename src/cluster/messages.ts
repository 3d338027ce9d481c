/**
 * The cluster's messages (JSON on JetStream subjects, see topology.ts) and their message ids,
 * which make every publish idempotent: JetStream drops a message whose id it has seen within
 * the stream's duplicate window.
 *
 * - **Tick** `{tick, underlying, index?, time?, forwards?, atmVolShift?}` on
 *   `<prefix>.ticks.<underlying>`: the engine's tick format with a number (see `TickMessage`).
 *   For `deribit-pm` the market at tick n is the base with ticks 1..n applied in order by the
 *   engine (cluster/engine-market.ts); for other models, the base snapshot with each underlying
 *   moved to its latest index at or before n (forwards and smile move with it, sticky
 *   moneyness: risk/scaled-snapshot.ts). Id `t:<tick>`: a tick published twice is stored once.
 * - **Account change** `{id, seq, account | closed}` on `<prefix>.accounts.<partition>`: the
 *   account's whole new state (positions and balances, the portfolio schema) or its closing,
 *   with a per-account sequence number from 1. Id `a:<id>:<seq>`.
 * - **Result batch** on `<prefix>.results.<partition>`: results of one partition, each keyed by
 *   (account, tick); id `r:<partition>:<tick>:<part>` for a tick's batches (accounts sorted by
 *   id, cut into parts of a fixed size; for deribit-pm only the accounts the tick moved, as
 *   `ballast engine run`), `c:<partition>:<first>:<last>:<part>` for the results of the
 *   account changes a partition applied as one batch: its messages at account-stream
 *   sequences `first`..`last` (a redelivered batch is re-formed over the same span, recorded
 *   before publishing, so its results carry the same ids: partition-runner.ts).
 * - **Health event** on `<prefix>.events`: an account whose state changed; id
 *   `e:<id>:<tick>:<seq>:<to>`.
 */
import { BallastError } from '../core/errors.ts';
import type { HealthState } from '../account/health.ts';
import { parseTick } from '../engine/ticks.ts';

/**
 * A market tick of one underlying, in the engine's tick format (engine/ticks.ts, the lines of
 * `ballast engine run --ticks`) plus its number: a new index (USD per coin), and/or new
 * forwards and ATM vol changes per expiry (`deribit-pm` only: the engine applies them), and
 * the tick's time (ISO or epoch ms; a tick older than the latest is ignored as stale).
 */
export interface TickMessage {
  /** Tick number, ≥ 1, increasing (tick 0 is the base snapshot). */
  readonly tick: number;
  readonly underlying: string;
  readonly index?: number;
  readonly time?: string | number;
  /** New forward per expiry date `YYYY-MM-DD` (USD per coin). */
  readonly forwards?: Readonly<Record<string, number>>;
  /** ATM vol change per expiry date, decimal (0.02 = +2 vol points). */
  readonly atmVolShift?: Readonly<Record<string, number>>;
}

/** The portfolio part of an account (Ballast portfolio JSON: positions, balances). */
export interface AccountJson {
  readonly positions: readonly unknown[];
  readonly balances?: readonly unknown[];
  readonly marginPool?: string;
}

/** A change of one account: its new whole state, or its closing. */
export interface AccountChange {
  readonly id: string;
  /** Per-account sequence number, 1, 2, ...: changes are applied in this order. */
  readonly seq: number;
  /** The account's new state (absent when `closed`). */
  readonly account?: AccountJson;
  readonly closed?: boolean;
  /**
   * Apply only once the partition has handled this tick number (a change of a ticks file,
   * which comes after that tick: ticks and changes travel on different streams).
   */
  readonly afterTick?: number;
}

/** State of an account in a result: a health state, or `error` when it could not be margined. */
export type ResultState = HealthState | 'error';

/**
 * The margin of one account at one tick. Amounts in `currency`: the pool's settlement currency
 * for a one-pool account (BTC for a Deribit BTC sub-account), USD when the model's pools were
 * combined (margin/combine.ts). `utilization` travels as null when it is infinite (equity ≤ 0
 * with IM > 0: JSON has no ∞).
 */
export interface AccountResult {
  readonly id: string;
  readonly tick: number;
  /** The account sequence number the result reflects. */
  readonly seq: number;
  readonly model: string;
  readonly currency: string;
  readonly equity: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly utilization: number;
  readonly state: ResultState;
  /** For `state: "error"`: the typed error's code, field and message. */
  readonly error?: { readonly code: string; readonly field?: string; readonly message: string };
}

/** A batch of results published as one message. */
export interface ResultBatch {
  readonly partition: number;
  readonly tick: number;
  /** Name of the worker that published it (diagnostics; not part of the numbers). */
  readonly worker: string;
  readonly results: readonly AccountResult[];
  /**
   * On part 0 of a tick's batches (published even when the tick moved no account of the
   * partition): instrument-table rows the tick re-priced (deribit-pm; 0 for the per-account
   * models) and the accounts the partition held, of which `results` are the re-margined.
   */
  readonly rows?: number;
  readonly held?: number;
}

/** A health-state change of one account. */
export interface HealthEvent {
  readonly id: string;
  readonly tick: number;
  readonly seq: number;
  readonly from: ResultState;
  readonly to: ResultState;
  /** Id of the worst scenario of the largest pool, when the model has scenarios. */
  readonly worstScenario?: string;
  /** max(0, IM − equity) in `currency`: collateral needed to be back above IM. */
  readonly shortfall: number;
  /** Currency of `shortfall` (the result's). */
  readonly currency: string;
}

/** Message id of a tick. */
export const tickMsgId = (t: TickMessage): string => `t:${t.tick}`;
/** Message id of an account change. */
export const changeMsgId = (c: AccountChange): string => `a:${c.id}:${c.seq}`;
/** Message id of a tick's result batch. */
export const batchMsgId = (partition: number, tick: number, part: number): string =>
  `r:${partition}:${tick}:${part}`;
/**
 * Message id of part `part` of the results of a batch of account changes: the partition's
 * messages at account-stream sequences `first`..`last`.
 */
export const changeBatchMsgId = (
  partition: number,
  first: number,
  last: number,
  part: number,
): string => `c:${partition}:${first}:${last}:${part}`;
/** Message id of a health event. */
export const eventMsgId = (e: HealthEvent): string => `e:${e.id}:${e.tick}:${e.seq}:${e.to}`;

function parse(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BallastError('MALFORMED_JSON', `not JSON: ${(e as Error).message}`, what);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new BallastError('INVALID_INPUT', 'expected a JSON object', what);
  return v as Record<string, unknown>;
}

/**
 * Validates a tick (INVALID_INPUT naming the field): the number, the underlying, and the
 * engine's fields as `parseTick` checks them (engine/ticks.ts); it must move something.
 */
export function tickFromJson(v: Record<string, unknown>, what = 'tick'): TickMessage {
  const { tick, underlying, index, time, forwards, atmVolShift } = v;
  if (typeof tick !== 'number' || !Number.isSafeInteger(tick) || tick < 1)
    throw new BallastError(
      'INVALID_INPUT',
      `must be an integer ≥ 1, got ${String(tick)}`,
      `${what}.tick`,
    );
  if (typeof underlying !== 'string' || !/^[A-Z0-9]+$/.test(underlying))
    throw new BallastError(
      'INVALID_INPUT',
      `must be a coin such as BTC, got ${String(underlying)}`,
      `${what}.underlying`,
    );
  if (index !== undefined && (typeof index !== 'number' || !Number.isFinite(index) || index <= 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be a finite price > 0 (USD), got ${String(index)}`,
      `${what}.index`,
    );
  if (time !== undefined && typeof time !== 'string' && typeof time !== 'number')
    throw new BallastError('INVALID_INPUT', 'must be an ISO time or epoch ms', `${what}.time`);
  try {
    parseTick({ underlying, index, forwards, atmVolShift, time: time ?? 0 });
  } catch (e) {
    if (e instanceof BallastError && e.field !== undefined)
      throw new BallastError(e.code, e.reason, e.field.replace(/^tick/, what));
    throw e;
  }
  if (index === undefined && forwards === undefined && atmVolShift === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      'a tick sets an "index", "forwards" or "atmVolShift"',
      `${what}.index`,
    );
  return {
    tick,
    underlying,
    ...(index === undefined ? {} : { index }),
    ...(time === undefined ? {} : { time }),
    ...(forwards === undefined ? {} : { forwards: forwards as Record<string, number> }),
    ...(atmVolShift === undefined ? {} : { atmVolShift: atmVolShift as Record<string, number> }),
  };
}

/** Parses a tick message. */
export const decodeTick = (text: string): TickMessage => tickFromJson(parse(text, 'tick'));

/** Validates an account change (INVALID_INPUT naming the field). */
export function changeFromJson(v: Record<string, unknown>, what = 'account'): AccountChange {
  const { id, seq, account, closed, afterTick } = v;
  if (typeof id !== 'string' || id.length === 0 || /[\s*>]/.test(id))
    throw new BallastError(
      'INVALID_INPUT',
      `must be a non-empty string without spaces, * or >, got ${JSON.stringify(id)}`,
      `${what}.id`,
    );
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
    throw new BallastError(
      'INVALID_INPUT',
      `must be an integer ≥ 1, got ${String(seq)}`,
      `${what}.seq`,
    );
  if (
    afterTick !== undefined &&
    (typeof afterTick !== 'number' || !Number.isSafeInteger(afterTick) || afterTick < 1)
  )
    throw new BallastError(
      'INVALID_INPUT',
      `must be a tick number ≥ 1, got ${String(afterTick)}`,
      `${what}.afterTick`,
    );
  const after = afterTick === undefined ? {} : { afterTick: afterTick as number };
  if (closed === true) return { id, seq, closed: true, ...after };
  if (
    typeof account !== 'object' ||
    account === null ||
    !Array.isArray((account as AccountJson).positions)
  )
    throw new BallastError(
      'INVALID_INPUT',
      'expected the account state {positions: [...], balances: [...]} or closed: true',
      `${what}.account`,
    );
  return { id, seq, account: account as AccountJson, ...after };
}

/** Parses an account change message. */
export const decodeChange = (text: string): AccountChange => changeFromJson(parse(text, 'account'));

/** Parses a result batch (written by our workers; checked only for shape). */
export function decodeBatch(text: string): ResultBatch {
  const v = parse(text, 'result');
  if (!Array.isArray(v.results) || typeof v.tick !== 'number')
    throw new BallastError('INVALID_INPUT', 'expected a result batch', 'result');
  return v as unknown as ResultBatch;
}

/** Parses a health event (written by our workers; checked only for shape). */
export function decodeEvent(text: string): HealthEvent {
  const v = parse(text, 'event');
  if (typeof v.id !== 'string' || typeof v.to !== 'string')
    throw new BallastError('INVALID_INPUT', 'expected a health event', 'event');
  return v as unknown as HealthEvent;
}

/**
 * The account line and the tick-file line, one schema for `ballast engine run` and `ballast
 * cluster publish`.
 *
 * - **Account line** (a line of `--accounts`, or the value of `"account"` in a ticks file):
 *   `{"id", "positions", "balances"[, "marginPool"][, "seq"]}`, the account's whole state
 *   (Ballast portfolio JSON, sizes in coins), or `{"id", "closed": true[, "seq"]}`. `id` is a
 *   non-empty string or a number (read as its decimal text); `seq` the account's change number,
 *   an integer ≥ 1 (the cluster applies an account's changes in `seq` order; without it,
 *   an account's lines are numbered 1, 2, … in file order; one engine-run line is an
 *   account's whole state, so there it is checked and not used).
 * - **Ticks file**: JSON lines; blank lines and lines starting with `#` are skipped, every
 *   other line is one step, numbered from 1: `{"account": <account line>}` is an account
 *   change, any other object a tick (engine/ticks.ts `parseTick`, plus an optional `"tick"`
 *   number for the cluster; without it the tick's number is its step number), and a line that
 *   is not a JSON object is malformed (the engine skips and counts it; publish rejects the file).
 */
import { BallastError } from '../core/errors.ts';

/** A parsed account line. */
export interface AccountLine {
  readonly id: string;
  /** The account's change number, when the line gives one (integer ≥ 1). */
  readonly seq?: number;
  /** True when the line closes the account (the cluster's; the engine has no closing). */
  readonly closed: boolean;
  /** The portfolio: every field but `id`, `seq` and `closed` (parsed by io/portfolio-input.ts). */
  readonly portfolio: Record<string, unknown>;
}

/** The id of a would-be account line (undefined when it has none). */
export function accountLineId(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const id = (v as Record<string, unknown>).id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return undefined;
}

/** Validates an account line; a typed error names the field (`<field>.id`, `<field>.seq`). */
export function accountLineFromJson(v: unknown, field: string): AccountLine {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new BallastError('INVALID_INPUT', 'an account is a JSON object', field);
  const { id: _id, seq, closed, ...portfolio } = v as Record<string, unknown>;
  const id = accountLineId(v);
  if (id === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      'each account needs an "id" (a non-empty string or a number)',
      `${field}.id`,
    );
  if (seq !== undefined && !(typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1))
    throw new BallastError(
      'INVALID_INPUT',
      `seq must be an integer ≥ 1, got ${String(seq)}`,
      `${field}.seq`,
    );
  if (closed !== undefined && closed !== true && closed !== false)
    throw new BallastError('INVALID_INPUT', 'closed must be true or false', `${field}.closed`);
  return {
    id,
    ...(seq === undefined ? {} : { seq: seq as number }),
    closed: closed === true,
    portfolio,
  };
}

/** One step of a ticks file. */
export type TickFileStep =
  | { readonly kind: 'tick'; readonly step: number; readonly field: string; readonly value: object }
  | {
      readonly kind: 'change';
      readonly step: number;
      readonly field: string;
      /** The value of `"account"` (an account line, checked by the caller). */
      readonly account: unknown;
    }
  | {
      readonly kind: 'malformed';
      readonly step: number;
      readonly field: string;
      readonly reason: string;
    };

/** The steps of a ticks file (module doc); `source` names lines as `<source>:<line>`. */
export function tickFileSteps(text: string, source: string): TickFileStep[] {
  const out: TickFileStep[] = [];
  let step = 0;
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    step++;
    const field = `${source}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      out.push({ kind: 'malformed', step, field, reason: `not JSON: ${(e as Error).message}` });
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      out.push({ kind: 'malformed', step, field, reason: 'expected one JSON object per line' });
    else if ('account' in v)
      out.push({ kind: 'change', step, field, account: (v as { account: unknown }).account });
    else out.push({ kind: 'tick', step, field, value: v });
  });
  return out;
}

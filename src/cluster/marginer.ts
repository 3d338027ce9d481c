/**
 * The cluster's per-account margin port, for the models the batch engine has no kernel for:
 * a market (the base snapshot moved to the latest index per underlying), one account
 * margined against it with `MarginModel.evaluate` (margin/registry.ts), pools combined
 * (margin/combine.ts: the pool itself for one pool, USD over several) and the health state of
 * account/health.ts, and the health event of a state change. deribit-pm accounts are held
 * and margined by the engine (engine-market.ts); partition-market.ts picks one or the other.
 */
import { accountHealth } from '../account/health.ts';
import { BallastError } from '../core/errors.ts';
import { portfolioFromJson } from '../io/portfolio-input.ts';
import { combinePools } from '../margin/combine.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { scaleSnapshot } from '../risk/scaled-snapshot.ts';
import { DERIBIT_PM_ID } from '../margin/deribit-pm/deribit-pm.ts';
import type {
  AccountJson,
  AccountResult,
  HealthEvent,
  ResultState,
  TickMessage,
} from './messages.ts';

/** A model with its parameters. */
export interface ModelSetup {
  readonly model: MarginModel<unknown>;
  readonly params: unknown;
}

/** A market at one tick: the snapshot and the index per underlying it was moved to. */
export interface TickMarket {
  readonly tick: number;
  /** Latest index per underlying (USD per coin) at this tick; base values when not ticked. */
  readonly indices: Readonly<Record<string, number>>;
  readonly snapshot: MarketSnapshot;
}

/** True when the model is margined by the batch engine (deribit-pm). */
export const usesEngine = (setup: ModelSetup): boolean => setup.model.id === DERIBIT_PM_ID;

/** The base market (tick 0). */
export function baseMarket(base: MarketSnapshot): TickMarket {
  const indices: Record<string, number> = {};
  for (const [u, m] of Object.entries(base.underlyings)) indices[u] = m.index;
  return { tick: 0, indices, snapshot: base };
}

/**
 * The market after tick message `t`, or why it is ignored: the base moved to the latest
 * indices (`marketAt`); a tick without an index, or for an underlying the market does not
 * have, is ignored.
 */
export function nextMarket(
  base: MarketSnapshot,
  prev: TickMarket,
  t: TickMessage,
): TickMarket | string {
  if (t.index === undefined) return 'needs an index (forwards and vol ticks: deribit-pm only)';
  if (!base.underlyings[t.underlying]) return 'unknown-underlying';
  return marketAt(base, t.tick, { ...prev.indices, [t.underlying]: t.index });
}

/**
 * The market at `tick` with `indices` (USD per coin): the base snapshot with each underlying
 * moved by index / base index (risk/scaled-snapshot.ts: forwards and smile move with it).
 * An underlying the base does not have is INVALID_INPUT.
 */
export function marketAt(
  base: MarketSnapshot,
  tick: number,
  indices: Readonly<Record<string, number>>,
): TickMarket {
  const multipliers: Record<string, number> = {};
  for (const [u, index] of Object.entries(indices)) {
    const b = base.underlyings[u];
    if (!b)
      throw new BallastError('INVALID_INPUT', `the market has no ${u}`, `tick ${tick}.underlying`);
    multipliers[u] = index / b.index;
  }
  return { tick, indices: { ...indices }, snapshot: scaleSnapshot(base, multipliers) };
}

/** An account held in memory: its state, parsed once against the base market. */
export interface HeldAccount {
  readonly id: string;
  readonly seq: number;
  /** The account as it arrived (kept for the partition's KV snapshots). */
  readonly json: AccountJson;
  /** The parsed portfolio, or the error that made it unusable. */
  readonly portfolio: Portfolio | BallastError;
}

/** Parses an account's portfolio JSON (sizes in coins); a bad account keeps its error. */
export function holdAccount(
  id: string,
  seq: number,
  json: AccountJson,
  base: MarketSnapshot,
): HeldAccount {
  try {
    const value = { positions: json.positions, balances: json.balances ?? [] };
    const withPool =
      json.marginPool === undefined ? value : { ...value, marginPool: json.marginPool };
    return { id, seq, json, portfolio: portfolioFromJson(withPool, `account ${id}`, base) };
  } catch (e) {
    if (e instanceof BallastError) return { id, seq, json, portfolio: e };
    throw e;
  }
}

/** A result with what an event needs besides it. */
export interface MarginedAccount {
  readonly result: AccountResult;
  /** Worst scenario id of the pool with the largest IM (undefined without scenarios). */
  readonly worstScenario: string | undefined;
}

/** The `error` result of an account the model cannot margin (never a default state). */
export function errorResult(
  a: HeldAccount,
  tick: number,
  modelId: string,
  e: BallastError,
): MarginedAccount {
  return {
    result: {
      id: a.id,
      tick,
      seq: a.seq,
      model: modelId,
      currency: 'USD',
      equity: 0,
      initialMargin: 0,
      maintenanceMargin: 0,
      utilization: 0,
      state: 'error',
      error: {
        code: e.code,
        ...(e.field === undefined ? {} : { field: e.field }),
        message: e.reason,
      },
    },
    worstScenario: undefined,
  };
}

/**
 * Margins one account at a tick's market: the model's pools combined (margin/combine.ts: the
 * pool itself for one pool, USD over several), the health state of account/health.ts. A typed error of the account
 * gives `state: "error"` with its code, field and message (never a default state).
 */
export function marginAccount(a: HeldAccount, m: TickMarket, setup: ModelSetup): MarginedAccount {
  const { model, params } = setup;
  if (a.portfolio instanceof BallastError) return errorResult(a, m.tick, model.id, a.portfolio);
  try {
    const pools = model.evaluate(a.portfolio, m.snapshot, params);
    const c = combinePools(model.id, model.version, pools, m.snapshot);
    const h = accountHealth(pools, m.snapshot);
    return {
      result: {
        id: a.id,
        tick: m.tick,
        seq: a.seq,
        model: model.id,
        currency: c.currency,
        equity: c.equity,
        initialMargin: c.initialMargin,
        maintenanceMargin: c.maintenanceMargin,
        utilization: c.utilization,
        state: h.state,
      },
      worstScenario: c.worstScenario?.id,
    };
  } catch (e) {
    if (e instanceof BallastError) return errorResult(a, m.tick, model.id, e);
    throw e;
  }
}

/** The event of a state change from `from` to the margined state (undefined if unchanged). */
export function healthEvent(
  from: ResultState | undefined,
  m: MarginedAccount,
): HealthEvent | undefined {
  const r = m.result;
  const prev = from ?? 'healthy';
  if (prev === r.state) return undefined;
  return {
    id: r.id,
    tick: r.tick,
    seq: r.seq,
    from: prev,
    to: r.state,
    ...(m.worstScenario === undefined ? {} : { worstScenario: m.worstScenario }),
    shortfall: Math.max(0, r.initialMargin - r.equity),
    currency: r.currency,
  };
}

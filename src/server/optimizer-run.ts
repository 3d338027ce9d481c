/**
 * The optimizer requests of the service (`optimize`, `cure`, `allocate`): a checked body and
 * its resolved market → the use case (app/optimize.ts, app/cure.ts, app/allocate.ts) → the
 * CLI's `--json` object for the same inputs. Used by the synchronous routes and by jobs
 * (in-process or on a job worker thread). Size caps: positions per book (and per account,
 * trades to route), Monte Carlo scenarios (limits.ts). Portfolios are inline: an accounts
 * value's string references (file paths on the CLI) are refused here.
 */
import type { Static } from 'typebox';
import { allocateJson, allocateUseCase } from '../app/allocate.ts';
import { cureUseCase, cureUseCaseJson } from '../app/cure.ts';
import { optimizeJson, optimizeUseCase } from '../app/optimize.ts';
import { portfolioFromValue } from '../app/portfolio-input.ts';
import { BallastError } from '../core/errors.ts';
import { accountsFromJson } from '../io/accounts-input.ts';
import { constraintsFromJson } from '../io/constraints-input.ts';
import { mergeParams } from '../io/params-file.ts';
import { marginModel } from '../margin/registry.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { GREEKS, type Greek } from '../optimize/exposures.ts';
import { listedUniverse, universeFromJson, type Universe } from '../optimize/universe.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { checkLimit, type ServerLimits } from './limits.ts';
import type { AllocateBody, CureBody, OptimizeBody } from './schemas-optimize.ts';

/** The optimizer job kinds (one per route). */
export const OPTIMIZER_KINDS = ['optimize', 'cure', 'allocate'] as const;
export type OptimizerKind = (typeof OPTIMIZER_KINDS)[number];

/** Reports a stage of the run: `solving` (inputs read, use case started), `robustness` (optimize: the Monte Carlo check of the result). */
export type StageReporter = (stage: string) => void;

/** A resolved market: the snapshot and its notes. */
export interface ResolvedMarket {
  readonly snapshot: MarketSnapshot;
  readonly warnings: readonly string[];
}

function book(value: unknown, field: string, m: ResolvedMarket, limits: ServerLimits): Portfolio {
  const p = portfolioFromValue(value, field, m.snapshot);
  checkLimit(p.positions.length, limits.positions, 'positions', `${field}.positions`);
  return p;
}

function universeOf(value: unknown, snapshot: MarketSnapshot): Universe {
  return value === undefined || value === 'listed'
    ? listedUniverse(snapshot)
    : universeFromJson(value, 'universe', snapshot);
}

function modelAndParams(modelId: string | undefined, overrides: unknown) {
  const model = marginModel(modelId ?? 'deribit-pm', 'model');
  const params =
    overrides === undefined
      ? model.defaultParams
      : mergeParams(model.defaultParams, overrides, 'params');
  return { model, params };
}

function targetsOf(v: Record<string, number> | undefined): Partial<Record<Greek, number>> {
  for (const k of Object.keys(v ?? {}))
    if (!GREEKS.includes(k as Greek))
      throw new BallastError(
        'SCHEMA',
        `unknown greek "${k}"; one of ${GREEKS.join(', ')}`,
        `targets.${k}`,
      );
  return (v ?? {}) as Partial<Record<Greek, number>>;
}

/** POST /v1/optimize's answer (ballast optimize --json). */
export async function runOptimize(
  b: Static<typeof OptimizeBody>,
  m: ResolvedMarket,
  limits: ServerLimits,
  stage: StageReporter = () => {},
): Promise<unknown> {
  const scenarios = b.scenarios ?? 2000;
  checkLimit(scenarios, limits.scenarios, 'scenarios', 'scenarios');
  const portfolio = book(b.portfolio, 'portfolio', m, limits);
  const { model, params } = modelAndParams(b.model, b.params);
  const c =
    b.constraints === undefined
      ? { constraints: {} }
      : constraintsFromJson(b.constraints, 'constraints');
  const objective = b.objective ?? 'margin';
  stage('solving');
  const out = await optimizeUseCase({
    portfolio,
    snapshot: m.snapshot,
    model,
    params,
    universe: universeOf(b.universe, m.snapshot),
    constraints: c.constraints,
    lambda: 'lambda' in c && c.lambda !== undefined ? c.lambda : 1,
    objective,
    ...(objective === 'track' ? { targets: targetsOf(b.targets) } : {}),
    ...(b.mu === undefined ? {} : { mu: b.mu }),
    scenarios,
    seed: b.seed ?? 1,
    beta: b.beta ?? 0.99,
    horizonDays: b.horizonDays ?? 7,
    robustness: b.robustness ?? true,
    warnings: m.warnings,
    onStage: stage,
  });
  return optimizeJson(out);
}

/** POST /v1/cure's answer (ballast cure --json). */
export async function runCure(
  b: Static<typeof CureBody>,
  m: ResolvedMarket,
  limits: ServerLimits,
  stage: StageReporter = () => {},
): Promise<unknown> {
  const portfolio = book(b.portfolio, 'portfolio', m, limits);
  const { model, params } = modelAndParams(b.model, b.params);
  stage('solving');
  const r = await cureUseCase({
    portfolio,
    snapshot: m.snapshot,
    model,
    params,
    universe: universeOf(b.universe, m.snapshot),
    targetUtilization: b.targetUtilization ?? 0.8,
    allowIncrease: b.allowIncrease === true,
    ...(b.maxSize === undefined ? {} : { maxSize: b.maxSize }),
  });
  return cureUseCaseJson(r, m.warnings);
}

const noRefs = (_ref: string, field: string): never => {
  throw new BallastError(
    'SCHEMA',
    'references are not accepted over the API: give the portfolio (or params) inline',
    field,
  );
};

/** POST /v1/allocate's answer (ballast allocate --json). */
export async function runAllocate(
  b: Static<typeof AllocateBody>,
  m: ResolvedMarket,
  limits: ServerLimits,
  stage: StageReporter = () => {},
): Promise<unknown> {
  const input = accountsFromJson(b.accounts, 'accounts', m.snapshot, {
    portfolio: noRefs,
    params: noRefs,
  });
  for (const [i, a] of input.accounts.entries())
    checkLimit(
      a.portfolio.positions.length,
      limits.positions,
      'positions',
      `accounts.accounts[${i}].portfolio`,
    );
  if (input.trades)
    checkLimit(input.trades.positions.length, limits.trades, 'trades', 'accounts.trades');
  if (input.book)
    checkLimit(input.book.positions.length, limits.positions, 'positions', 'accounts.book');
  stage('solving');
  const out = await allocateUseCase({
    input,
    snapshot: m.snapshot,
    ...(b.mode === undefined ? {} : { mode: b.mode }),
    wholeTrades: b.wholeTrades === true,
    ignoreCollateral: b.ignoreCollateral === true,
    ...(b.amountUsd === undefined ? {} : { amountUsd: b.amountUsd }),
    field: (k) => `accounts.${k}`,
    amountField: 'amountUsd',
  });
  return allocateJson(out, m.warnings);
}

/** Runs one optimizer request of `kind` (the body already matches the route's schema). */
export function runOptimizer(
  kind: OptimizerKind,
  body: unknown,
  m: ResolvedMarket,
  limits: ServerLimits,
  stage: StageReporter = () => {},
): Promise<unknown> {
  if (kind === 'optimize')
    return runOptimize(body as Static<typeof OptimizeBody>, m, limits, stage);
  if (kind === 'cure') return runCure(body as Static<typeof CureBody>, m, limits, stage);
  return runAllocate(body as Static<typeof AllocateBody>, m, limits, stage);
}

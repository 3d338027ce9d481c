/**
 * The margin use case: one portfolio under one model, every pool, combined in USD when there
 * are several (margin/combine.ts). The result is the object `ballast margin --json` prints
 * and `POST /v1/margin` answers.
 */
import { combinePools, type CombinedMarginResult } from '../margin/combine.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { marginModel } from '../margin/registry.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';

/** A margin request: the book, a checked market, the model and its parameters. */
export interface MarginRequest {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly modelId: string;
  /** The model's parameters (defaults when undefined). */
  readonly params?: unknown;
  /** Warnings to carry on every pool (e.g. the market's staleness). */
  readonly warnings?: readonly string[];
  /** Field named when the model id is unknown. */
  readonly modelField?: string;
  /**
   * How to evaluate (default `model.evaluate`): the service passes its cache of results by
   * input (server/prepared-books.ts). Must return `model.evaluate`'s result; it is not mutated.
   */
  readonly evaluate?: (
    model: MarginModel<unknown>,
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: unknown,
  ) => readonly MarginResult[];
}

/** Margins `req.portfolio` under `req.modelId` (see module doc). */
export function marginUseCase(req: MarginRequest): CombinedMarginResult {
  const model = marginModel(req.modelId, req.modelField);
  const params = req.params === undefined ? model.defaultParams : req.params;
  const extra = req.warnings ?? [];
  const evaluated = req.evaluate
    ? req.evaluate(model, req.portfolio, req.snapshot, params)
    : model.evaluate(req.portfolio, req.snapshot, params);
  const pools = evaluated.map((r) => ({ ...r, warnings: [...r.warnings, ...extra] }));
  return combinePools(model.id, model.version, pools, req.snapshot);
}

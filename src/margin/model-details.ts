/**
 * The type of `MarginResult.details` of each margin model, keyed by model id, so a caller
 * that switches on `result.model` reads typed details without a cast.
 */
import type { BinancePmDetails } from './binance-pm/binance-pm.ts';
import type { CrossDetails } from './cross.ts';
import type { DeribitXpmDetails } from './deribit-pm/cross-pm.ts';
import type { DeribitPmDetails } from './deribit-pm/deribit-pm.ts';
import type { DeribitStandardDetails } from './deribit-standard/deribit-standard.ts';
import type { DerivePm2Details } from './derive-pm2/details.ts';
import type { IsolatedDetails } from './isolated.ts';
import type { MarginResult } from './margin-result.ts';
import type { OkxPmDetails } from './okx-pm/okx-pm.ts';
import type { RiskBasedDetails } from './risk-based/risk-based.ts';
import type { Span2Details } from './risk-based/span2.ts';
import type { SpanDetails } from './span/span.ts';
import type { TimsDetails } from './tims/tims.ts';

/** `details` type per model id (the ids of registry.ts). */
export interface MarginDetailsByModel {
  'deribit-pm': DeribitPmDetails;
  'deribit-xpm': DeribitXpmDetails;
  'deribit-standard': DeribitStandardDetails;
  'okx-pm': OkxPmDetails;
  'derive-pm2': DerivePm2Details;
  'binance-pm': BinancePmDetails;
  span: SpanDetails;
  tims: TimsDetails;
  cross: CrossDetails;
  isolated: IsolatedDetails;
  var: RiskBasedDetails;
  es: RiskBasedDetails;
  span2: Span2Details;
  stans: RiskBasedDetails;
}

/** A registered model id. */
export type MarginModelId = keyof MarginDetailsByModel;

/** A result whose `details` type follows its `model` (a union discriminated by `model`). */
export type TypedMarginResult = {
  [K in MarginModelId]: MarginResult<MarginDetailsByModel[K]> & { readonly model: K };
}[MarginModelId];

/**
 * The result's details typed for `model`, or undefined when the result is another model's or
 * carries no details.
 */
export function detailsOf<K extends MarginModelId>(
  r: MarginResult,
  model: K,
): MarginDetailsByModel[K] | undefined {
  return r.model === model ? (r.details as MarginDetailsByModel[K] | undefined) : undefined;
}

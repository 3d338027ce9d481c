/**
 * Every margin model, by id. `ballast margin --model <id>` and `ballast compare` read this.
 */
import { BallastError } from '../core/errors.ts';
import { binancePmModel } from './binance-pm/binance-pm.ts';
import { crossModel } from './cross.ts';
import { deribitXpmModel } from './deribit-pm/cross-pm.ts';
import { deribitPmModel } from './deribit-pm/deribit-pm.ts';
import { deribitStandardModel } from './deribit-standard/deribit-standard.ts';
import { derivePm2Model } from './derive-pm2/from-portfolio.ts';
import { isolatedModel } from './isolated.ts';
import type { MarginModel } from './margin-model.ts';
import { okxPmModel } from './okx-pm/okx-pm.ts';
import { esModel, varModel } from './risk-based/risk-based.ts';
import { span2Model } from './risk-based/span2.ts';
import { stansModel } from './risk-based/stans.ts';
import { spanModel } from './span/span.ts';
import { timsModel } from './tims/tims.ts';

/** All models in display order (venue PM models first, baselines last). */
export const MARGIN_MODELS: readonly MarginModel<unknown>[] = [
  deribitPmModel,
  deribitXpmModel,
  deribitStandardModel,
  okxPmModel,
  derivePm2Model,
  binancePmModel,
  spanModel,
  timsModel,
  crossModel,
  isolatedModel,
  varModel,
  esModel,
  span2Model,
  stansModel,
] as unknown as readonly MarginModel<unknown>[];

/** The model with this id, or INVALID_INPUT listing the ids. */
export function marginModel(id: string, field = '--model'): MarginModel<unknown> {
  const m = MARGIN_MODELS.find((x) => x.id === id);
  if (!m)
    throw new BallastError(
      'INVALID_INPUT',
      `unknown margin model "${id}"; one of: ${MARGIN_MODELS.map((x) => x.id).join(', ')}`,
      field,
    );
  return m;
}

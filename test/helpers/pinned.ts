/**
 * Deribit PM params with every hypothesis rule pinned at the reading the params set: the model
 * then evaluates that one reading (as the batch kernel and the prepared-account path do)
 * instead of the highest over the readings (src/margin/hypotheses.ts).
 */
import { DERIBIT_PM_HYPOTHESES } from '../../src/margin/deribit-pm/hypotheses.ts';
import type { DeribitPmParams } from '../../src/margin/deribit-pm/params.ts';
import { pinReadings, readingOf } from '../../src/margin/hypotheses.ts';

export function pinnedDeribitParams(params: DeribitPmParams): DeribitPmParams {
  const all = Object.fromEntries(
    DERIBIT_PM_HYPOTHESES.rules.map((r) => [r.name, readingOf(r, params)] as const),
  );
  return pinReadings(DERIBIT_PM_HYPOTHESES, params, all, 'test');
}

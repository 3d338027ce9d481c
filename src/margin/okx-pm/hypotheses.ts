/**
 * The hypothesis rules of OKX PM (docs/methodology/okx-pm.md; `OkxPmParams`) that the default evaluates under
 * every reading (src/margin/hypotheses.ts), and which books each can move:
 *
 * - `inverseUsdConversion` (`worse` / `shocked` / `current`, [G]): coin-margined (inverse)
 *   positions only;
 * - `mr1DeltaOneBase` (`mark` / `index`, [I]): delta-one positions (futures, perpetuals) only.
 *
 * At most 3 × 2 = 6 combinations. Not enumerated: the IV shock table (`mr6VolStates` and the
 * grid's vol shocks are data with no alternative reading in the notes).
 */
import { isOptionLike } from '../../instruments/instrument.ts';
import type { HypothesisRule, HypothesisTable } from '../hypotheses.ts';
import type { OkxPmParams } from './params.ts';

/** The rules (readings: the model's default first). */
export const OKX_PM_HYPOTHESIS_RULES: readonly HypothesisRule[] = [
  {
    name: 'inverseUsdConversion',
    path: ['inverseUsdConversion'],
    readings: ['worse', 'shocked', 'current'],
    enumerated: ['worse', 'shocked', 'current'],
    section: 'okx-pm §2 [G]',
  },
  {
    name: 'mr1DeltaOneBase',
    path: ['mr1DeltaOneBase'],
    readings: ['mark', 'index'],
    enumerated: ['mark', 'index'],
    section: 'okx-pm §2.1 [I]',
  },
];

/** OKX PM's hypothesis table. */
export const OKX_PM_HYPOTHESES: HypothesisTable<OkxPmParams> = {
  rules: OKX_PM_HYPOTHESIS_RULES,
  movable(portfolio) {
    const out = new Set<string>();
    for (const p of portfolio.positions) {
      if (p.instrument.settlement === 'inverse') out.add('inverseUsdConversion');
      if (!isOptionLike(p.instrument) && p.instrument.kind !== 'spot') out.add('mr1DeltaOneBase');
    }
    return out;
  },
  dominant: {},
};

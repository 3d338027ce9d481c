/**
 * Hypothetical stress shocks: one spot move and one relative implied-vol move applied to
 * every underlying alike. The default set [G] (ours, not a venue's) is what SPAN 2-style
 * margin (margin/risk-based/span2.ts) charges for and what `ballast stress` offers by id.
 */
import type { Scenario } from './scenario.ts';

/** A hypothetical stress move applied to every underlying: spot and relative vol move. */
export interface HypotheticalStress {
  readonly id: string;
  readonly name: string;
  /** Relative spot move (−0.3 = −30 %). */
  readonly spot: number;
  /** Relative implied-vol move (0.5 = vol × 1.5). */
  readonly vol: number;
}

/** Default hypothetical stress moves [G]: crashes and rallies with vol up, a vol spike and a vol crush. */
export const DEFAULT_HYPOTHETICAL_STRESS: readonly HypotheticalStress[] = [
  { id: 'crash-30', name: 'crash −30 %, vol +50 %', spot: -0.3, vol: 0.5 },
  { id: 'crash-20', name: 'sell-off −20 %, vol +30 %', spot: -0.2, vol: 0.3 },
  { id: 'rally-30', name: 'rally +30 %, vol +30 %', spot: 0.3, vol: 0.3 },
  { id: 'rally-20', name: 'rally +20 %, vol −20 %', spot: 0.2, vol: -0.2 },
  { id: 'vol-spike', name: 'vol spike +60 %', spot: 0, vol: 0.6 },
  { id: 'vol-crush', name: 'vol crush −30 %', spot: 0, vol: -0.3 },
];

/**
 * The scenario of a hypothetical shock: id `hyp-<id>`, every underlying's spot × (1 + spot)
 * and implied vol × (1 + vol) (no vol move when vol = 0), no time shift, weight 1.
 */
export function hypotheticalScenario(h: HypotheticalStress, group: string): Scenario {
  return {
    id: `hyp-${h.id}`,
    label: `${h.name} (hypothetical, every underlying)`,
    moves: {},
    defaultMove: {
      spotMultiplier: 1 + h.spot,
      vol: h.vol === 0 ? { kind: 'none' } : { kind: 'relative', size: h.vol },
    },
    weight: 1,
    timeShiftDays: 0,
    group,
  };
}

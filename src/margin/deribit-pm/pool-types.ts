/**
 * The pool-level intermediates of Deribit PM (docs/methodology/deribit-pm.md §8.3, §9, §12): the
 * worst case and where it is reported, and the requirements built on it. Computed in
 * deribit-pm.ts, rendered in report.ts.
 */
import type { WorstCaseBucket } from './aggregate.ts';
import type { KeyEval } from './key-eval.ts';
import type { DeribitPmAccountInputs } from './params.ts';

/** The pool's worst case (§9, §8.3) and the key and cell it is reported at. */
export interface PoolWorstCase {
  readonly worstCaseUnrounded: number;
  readonly worstKey: KeyEval | undefined;
  readonly reported: { cell: number; bucket: WorstCaseBucket; key: KeyEval } | undefined;
  readonly jointAmbiguous: boolean;
}

/** IM and MM of a pool from its worst case and shocks (§12). */
export interface PoolRequirements {
  readonly worstCaseRounded: number;
  readonly rollShock: number;
  readonly deltaShock: number;
  readonly correlationContingency: number;
  readonly riskMatrixMargin: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly account: DeribitPmAccountInputs;
  readonly mmFactor: number;
}

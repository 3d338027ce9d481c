import { describe, expect, it } from 'vitest';
import wd1 from '../fixtures/methodology-examples/W-D1_deribit-pme-simulate-btc-docs.json' with { type: 'json' };
import wd2 from '../fixtures/methodology-examples/W-D2_deribit-pme-simulate-eth-live.json' with { type: 'json' };
import { deribitPmModel, type DeribitPmDetails } from '../../src/margin/deribit-pm/deribit-pm.ts';
import {
  decimalsOf,
  exampleParams,
  examplePortfolio,
  exampleSnapshot,
  expectDecimals,
  expectUlps,
  type PmeExample,
} from './deribit-pm-examples.ts';

const EXAMPLES: readonly PmeExample[] = [
  wd1 as unknown as PmeExample,
  wd2 as unknown as PmeExample,
];

describe.each(EXAMPLES.map((ex) => [ex.id, ex] as const))(
  'Deribit PM worked example %s (pme/simulate)',
  (_id, ex) => {
    const results = deribitPmModel.evaluate(
      examplePortfolio(ex),
      exampleSnapshot(ex),
      exampleParams(ex),
    );
    const ccy = ex.inputs.currency;
    const result = results.find((r) => r.currency === ccy)!;
    const details = result.details as DeribitPmDetails;
    const sim = details.simulate;
    const exp = ex.expected;
    const margins = exp.margins[ccy.toLowerCase()]!;
    const prec = ex.precision;

    it('has one pool, in the settlement currency', () => {
      expect(results.map((r) => r.currency)).toEqual([ccy]);
      expect(Object.keys(sim.margins)).toEqual([ccy.toLowerCase()]);
    });

    it('reproduces every initial risk vector entry (27 standard + 8 extended per instrument)', () => {
      expect(Object.keys(sim.initial_risk_vectors).sort()).toEqual(
        Object.keys(exp.initial_risk_vectors).sort(),
      );
      for (const [name, v] of Object.entries(exp.initial_risk_vectors)) {
        const got = sim.initial_risk_vectors[name]!;
        expect(got.standard).toHaveLength(v.standard.length);
        expect(got.extended).toHaveLength(v.extended.length);
        // The standard table is reproduced to the bit; the extended one within 2 ulp.
        v.standard.forEach((x, i) => expect(got.standard[i]).toBe(x));
        v.extended.forEach((x, i) => expectUlps(got.extended[i]!, x));
      }
    });

    it('reproduces the pre-aggregated vectors where published (else: the sum of the published instrument vectors)', () => {
      const published = exp.pre_aggregated_risk_vectors;
      const keys = Object.keys(exp.aggregated_risk_vectors);
      expect(Object.keys(sim.pre_aggregated_risk_vectors)).toEqual(keys);
      for (const key of keys) {
        const got = sim.pre_aggregated_risk_vectors[key]!;
        if (published) {
          published[key]!.standard.forEach((x, i) => expect(got.standard[i]).toBe(x));
          published[key]!.extended.forEach((x, i) => expectUlps(got.extended[i]!, x));
        } else {
          const vs = Object.values(exp.initial_risk_vectors);
          got.standard.forEach((x, i) =>
            expect(x).toBe(vs.reduce((s, v) => s + v.standard[i]!, 0) + 0),
          );
          got.extended.forEach((x, i) =>
            expectUlps(
              x,
              vs.reduce((s, v) => s + v.extended[i]!, 0),
            ),
          );
        }
      }
    });

    it('reproduces every aggregated risk vector entry (gain offset, dampener)', () => {
      for (const [key, v] of Object.entries(exp.aggregated_risk_vectors)) {
        const got = sim.aggregated_risk_vectors[key]!;
        expect(got.standard).toHaveLength(v.standard.length);
        expect(got.extended).toHaveLength(v.extended.length);
        v.standard.forEach((x, i) => expect(got.standard[i]).toBe(x));
        v.extended.forEach((x, i) => expectUlps(got.extended[i]!, x));
      }
    });

    it('reproduces worst_case (full float64) and worst_case_bucket', () => {
      const d = margins.initial_margin_details.risk_matrix_margin_details;
      const got = sim.margins[ccy.toLowerCase()]!.initial_margin_details.risk_matrix_margin_details;
      expect(got.worst_case).toBe(d.worst_case);
      expect(got.worst_case_bucket).toEqual(d.worst_case_bucket);
      expect(result.worstScenario?.loss).toBe(d.worst_case);
      expect(result.worstScenario?.id).toBe(`std-${d.worst_case_bucket.index}`);
    });

    it('reproduces roll_shock, delta_shock and correlation_contingency at the published precision', () => {
      const d = margins.initial_margin_details.risk_matrix_margin_details;
      const got = sim.margins[ccy.toLowerCase()]!.initial_margin_details.risk_matrix_margin_details;
      expectDecimals(got.roll_shock, d.roll_shock, decimalsOf(prec.roll_shock)!);
      expect(got.delta_shock).toBe(d.delta_shock);
      expect(got.correlation_contingency).toBe(d.correlation_contingency);
      expect(result.addOns.find((a) => a.name === 'roll_shock')?.amount).toBe(got.roll_shock);
    });

    it('reproduces risk_matrix_margin, initial_margin and maintenance_margin at the published precision', () => {
      const got = sim.margins[ccy.toLowerCase()]!;
      expectDecimals(
        got.initial_margin_details.risk_matrix_margin,
        margins.initial_margin_details.risk_matrix_margin,
        decimalsOf(prec.risk_matrix_margin)!,
      );
      expectDecimals(got.initial_margin, margins.initial_margin, decimalsOf(prec.initial_margin)!);
      expectDecimals(
        got.maintenance_margin,
        margins.maintenance_margin,
        decimalsOf(prec.maintenance_margin)!,
      );
      // The IM is published rounded to 9 decimals: ours is that very number.
      expect(got.initial_margin).toBe(margins.initial_margin);
      expect(result.initialMargin).toBe(got.initial_margin);
      expect(result.maintenanceMargin).toBe(got.maintenance_margin);
      for (const k of ['open_orders_margin', 'mmp_margin', 'spot_margin'] as const) {
        expect(got.initial_margin_details[k]).toBe(margins.initial_margin_details[k]);
      }
    });

    it('uses no unverified rule on these delta-one books', () => {
      expect(result.unverified).toEqual([]);
    });

    it('contributions sum to the worst cell before offsets', () => {
      const cell = details.keys[0]!.worstCaseBucket.index;
      const key = Object.keys(sim.pre_aggregated_risk_vectors)[0]!;
      const sum = result.contributions.reduce((s, c) => s + c.pnl, 0);
      expectUlps(sum, sim.pre_aggregated_risk_vectors[key]!.standard[cell]!, 4);
    });
  },
);

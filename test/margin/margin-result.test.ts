import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { marginResult, type MarginResultFields } from '../../src/margin/margin-result.ts';

const fields: MarginResultFields = {
  model: 'm',
  modelVersion: '1',
  currency: 'USD',
  equity: 200,
  initialMargin: 50,
  maintenanceMargin: 40,
  worstScenario: undefined,
  contributions: [],
  addOns: [],
  unverified: [],
  warnings: [],
  inputsHash: 'h',
};

describe('marginResult', () => {
  it('derives utilization and keeps the contract field order', () => {
    const r = marginResult({ ...fields, details: { x: 1 } });
    expect(r.utilization).toBe(0.25);
    expect(Object.keys(r)).toEqual([
      'model',
      'modelVersion',
      'currency',
      'equity',
      'initialMargin',
      'maintenanceMargin',
      'utilization',
      'worstScenario',
      'contributions',
      'addOns',
      'unverified',
      'warnings',
      'inputsHash',
      'details',
    ]);
    expect('details' in marginResult(fields)).toBe(false);
  });

  it('uses the utilization conventions (0 without IM, ∞ without equity)', () => {
    expect(marginResult({ ...fields, initialMargin: 0, maintenanceMargin: 0 }).utilization).toBe(0);
    expect(marginResult({ ...fields, equity: -1 }).utilization).toBe(Infinity);
  });

  it('fails closed on non-finite amounts and negative requirements', () => {
    for (const bad of [{ equity: NaN }, { initialMargin: Infinity }, { maintenanceMargin: NaN }]) {
      let err: unknown;
      try {
        marginResult({ ...fields, ...bad });
      } catch (e) {
        err = e;
      }
      expect(isBallastError(err, 'NOT_FINITE')).toBe(true);
    }
    expect(() => marginResult({ ...fields, maintenanceMargin: -1 })).toThrow(RangeError);
    expect(() => marginResult({ ...fields, initialMargin: -1e-9 })).toThrow(RangeError);
    expect(marginResult({ ...fields, equity: -5 }).equity).toBe(-5);
  });
});

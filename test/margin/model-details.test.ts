import { describe, expect, it } from 'vitest';
import { marginResult } from '../../src/margin/margin-result.ts';
import { detailsOf, type MarginModelId } from '../../src/margin/model-details.ts';
import { MARGIN_MODELS } from '../../src/margin/registry.ts';

// Every key must be listed (the type checker rejects a missing or extra id).
const KEYS: Record<MarginModelId, true> = {
  'deribit-pm': true,
  'deribit-xpm': true,
  'deribit-standard': true,
  'okx-pm': true,
  'derive-pm2': true,
  'binance-pm': true,
  span: true,
  tims: true,
  cross: true,
  isolated: true,
  var: true,
  es: true,
  span2: true,
  stans: true,
};

describe('MarginDetailsByModel', () => {
  it('has a details type for exactly the registered model ids', () => {
    const registered = MARGIN_MODELS.map((m) => m.id).sort();
    expect(registered.length).toBeGreaterThan(10);
    expect(Object.keys(KEYS).sort()).toEqual(registered);
  });
  it('detailsOf returns the details for the matching model only', () => {
    const r = marginResult({
      model: 'var',
      modelVersion: '1',
      currency: 'BTC',
      equity: 1,
      initialMargin: 0.5,
      maintenanceMargin: 0.4,
      worstScenario: undefined,
      contributions: [],
      addOns: [],
      unverified: [],
      warnings: [],
      inputsHash: 'h',
      details: { confidence: 0.99 },
    });
    expect(detailsOf(r, 'var')?.confidence).toBe(0.99);
    expect(detailsOf(r, 'es')).toBeUndefined();
  });
});

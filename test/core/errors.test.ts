import { describe, expect, it } from 'vitest';
import { BallastError, isBallastError } from '../../src/core/errors.ts';

describe('BallastError', () => {
  it('prefixes the message with the field and keeps the bare reason', () => {
    const e = new BallastError('INVALID_INPUT', 'must be > 0, got -1', 'positions[0].size', {
      x: -1,
    });
    expect(e.message).toBe('positions[0].size: must be > 0, got -1');
    expect(e.reason).toBe('must be > 0, got -1');
    expect(new BallastError('NO_CONVERGENCE', 'did not converge').message).toBe('did not converge');
  });

  it('atField moves the error to another field, keeping code, reason and details', () => {
    const e = new BallastError('INVALID_VOL', 'a: b: c', 'price', { k: 1 }).atField('--premium');
    expect(isBallastError(e, 'INVALID_VOL')).toBe(true);
    expect(e.message).toBe('--premium: a: b: c');
    expect(e.field).toBe('--premium');
    expect(e.details).toEqual({ k: 1 });
  });
});

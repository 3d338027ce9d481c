/**
 * The pricing layer: pure closed-form option pricing and implied volatility.
 * Units and formulas are documented on each export.
 */
export * from './black76.ts';
export * from './inverse.ts';
export * from './bsm.ts';
export * from './digital.ts';
export * from './barrier.ts';
export * from './implied-vol.ts';

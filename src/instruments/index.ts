/** Instruments layer: instrument types, contract specs, venue symbols, expiry checks. */
export * from './instrument.ts';
export * from './contract-specs.ts';
export * from './expiry.ts';
export * from './deribit-symbol.ts';
export * from './okx-symbol.ts';
export * from './derive-symbol.ts';
export * from './symbol.ts';

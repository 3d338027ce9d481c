export * from './errors.ts';
export * from './time.ts';
export * from './currency.ts';
export * from './normal.ts';
export * from './roots.ts';
export * from './hash.ts';

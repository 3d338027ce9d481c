/** Small deterministic optimisers and the dense solve they share (see each file). */
export * from './dense-solve.ts';
export * from './active-set-qp.ts';
export * from './nelder-mead.ts';
export * from './levenberg-marquardt.ts';
export * from './golden-section.ts';
export * from './bisection.ts';

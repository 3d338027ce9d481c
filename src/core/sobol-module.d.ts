/**
 * Minimal types for the untyped `sobol` package (1.1.4, ISC, tornord/sobol): a Sobol
 * sequence generator with Joe-Kuo direction numbers. Used only by src/core/sobol.ts.
 */
declare module 'sobol' {
  /** Sobol generator in `dim` dimensions (1 ≤ dim ≤ 21201); the first vector is all zeros. */
  export class SobolSequenceGenerator {
    constructor(dim: number);
    /** The next point of the sequence, one coordinate per dimension, in [0, 1). */
    nextVector(): number[];
  }
}
